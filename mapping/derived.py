"""Fields computed from other fields when a contact is read: rules name them like any CRM field.

``email_domain`` is the part of ``email`` after its last "@", lower-cased (``gmail.com``). A rule on the domain
reads better than a regular expression on the whole address, ``explain`` and the score reason then show the
domain rather than the person's address, and the outcome is remembered per domain instead of per person (one
rule check per domain seen, not per contact). A CRM field mapped to the same canonical name wins.

The company fields fall back on the contact's own: ``company.industry`` is the contact's ``industry`` when its
company has no industry (or it has no company). HubSpot contacts often carry a copy of their company's industry,
size and revenue, and Salesforce Leads carry their own; a rule on ``company.industry`` then reads the company's
value where there is one and the person's where there is not, so a portal that keeps firmographics on either
record scores the same. ``explain`` says which one a value came from.

``model.Contact`` adds them itself when it is built, so every contact has them whoever builds it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

EMAIL_DOMAIN = "email_domain"


def email_domain(email: str) -> str | None:
    """The domain of an e-mail address, lower-cased; None when there is no "@" or nothing after it."""
    _, at, domain = email.strip().rpartition("@")
    return domain.lower() if at and domain else None


def same(value: str) -> str | None:
    return value


# The company fields read from the contact's own when the company has none: canonical name without "company.".
COMPANY_FALLBACKS = ("name", "industry", "employees", "annual_revenue", "country", "city")
COMPANY_NAME_SOURCE = "company"  # the contact's own "company" field is its company's name

# canonical name -> (the field it is computed from, how)
DERIVED: dict[str, tuple[str, Callable[[str], str | None]]] = {
    EMAIL_DOMAIN: ("email", email_domain),
    **{f"company.{name}": (COMPANY_NAME_SOURCE if name == "name" else name, same) for name in COMPANY_FALLBACKS},
}


def derived_fields(fields: Mapping[str, str]) -> dict[str, str]:
    """The derived fields ``fields`` lacks and can have: those whose source is present and derives a value."""
    derived: dict[str, str] = {}
    for name, (source, derive) in DERIVED.items():
        if name not in fields:
            value = fields.get(source)
            if value is not None:
                derived_value = derive(value)
                if derived_value is not None:
                    derived[name] = derived_value
    return derived
