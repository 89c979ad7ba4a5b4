"""The Salesforce connector: Leads or Contacts, Tasks, Events and campaign responses over simple-salesforce."""
