"""The HubSpot connector: contacts, engagements and web events over hubspot-api-client."""
