"""Company property definitions (the standard ones a portal starts with) and how seeded industries map to them.

As in HubSpot: `numberofemployees` and `annualrevenue` are numbers (the contact's `numemployees` is a band
enumeration such as "25-50"), `industry` is an enumeration of about 150 internal values ("COMPUTER_SOFTWARE"; the
API reads and writes these, the UI shows the labels), and the modification date is `hs_lastmodifieddate` (the
contact's is `lastmodifieddate`). The internal values are HubSpot's; the labels here are made from them
(unconfirmed: HubSpot's own labels differ in places, "Oil & Energy" for OIL_ENERGY).
"""

from __future__ import annotations

from typing import Any

from leadstage.sandbox.hubspot.properties import (
    TYPE_DATETIME,
    TYPE_ENUMERATION,
    TYPE_NUMBER,
    TYPE_STRING,
    PropertyDefinition,
    make_options,
)

GROUP_COMPANY = "companyinformation"
STANDARD_COMPANY_GROUPS = ((GROUP_COMPANY, "Company information"),)
COMPANY_MODIFIED = "hs_lastmodifieddate"
COMPANY_CORE_PROPERTIES = ("hs_object_id", "createdate", COMPANY_MODIFIED)
DEFAULT_COMPANY_PROPERTIES = ("createdate", "domain", COMPANY_MODIFIED, "hs_object_id", "name")
COMPANY_QUERY_PROPERTIES = ("name", "domain", "website", "phone")  # what a search's free-text `query` reads


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


HUBSPOT_INDUSTRIES = _words(
    """
    ACCOUNTING AIRLINES_AVIATION ALTERNATIVE_DISPUTE_RESOLUTION ALTERNATIVE_MEDICINE ANIMATION APPAREL_FASHION
    ARCHITECTURE_PLANNING ARTS_AND_CRAFTS AUTOMOTIVE AVIATION_AEROSPACE BANKING BIOTECHNOLOGY BROADCAST_MEDIA
    BUILDING_MATERIALS BUSINESS_SUPPLIES_AND_EQUIPMENT CAPITAL_MARKETS CHEMICALS CIVIC_SOCIAL_ORGANIZATION
    CIVIL_ENGINEERING COMMERCIAL_REAL_ESTATE COMPUTER_NETWORK_SECURITY COMPUTER_GAMES COMPUTER_HARDWARE
    COMPUTER_NETWORKING COMPUTER_SOFTWARE INTERNET CONSTRUCTION CONSUMER_ELECTRONICS CONSUMER_GOODS CONSUMER_SERVICES
    COSMETICS DAIRY DEFENSE_SPACE DESIGN EDUCATION_MANAGEMENT E_LEARNING ELECTRICAL_ELECTRONIC_MANUFACTURING
    ENTERTAINMENT ENVIRONMENTAL_SERVICES EVENTS_SERVICES EXECUTIVE_OFFICE FACILITIES_SERVICES FARMING
    FINANCIAL_SERVICES FINE_ART FISHERY FOOD_BEVERAGES FOOD_PRODUCTION FUND_RAISING FURNITURE GAMBLING_CASINOS
    GLASS_CERAMICS_CONCRETE GOVERNMENT_ADMINISTRATION GOVERNMENT_RELATIONS GRAPHIC_DESIGN HEALTH_WELLNESS_AND_FITNESS
    HIGHER_EDUCATION HOSPITAL_HEALTH_CARE HOSPITALITY HUMAN_RESOURCES IMPORT_AND_EXPORT INDIVIDUAL_FAMILY_SERVICES
    INDUSTRIAL_AUTOMATION INFORMATION_SERVICES INFORMATION_TECHNOLOGY_AND_SERVICES INSURANCE INTERNATIONAL_AFFAIRS
    INTERNATIONAL_TRADE_AND_DEVELOPMENT INVESTMENT_BANKING INVESTMENT_MANAGEMENT JUDICIARY LAW_ENFORCEMENT
    LAW_PRACTICE LEGAL_SERVICES LEGISLATIVE_OFFICE LEISURE_TRAVEL_TOURISM LIBRARIES LOGISTICS_AND_SUPPLY_CHAIN
    LUXURY_GOODS_JEWELRY MACHINERY MANAGEMENT_CONSULTING MARITIME MARKET_RESEARCH MARKETING_AND_ADVERTISING
    MECHANICAL_OR_INDUSTRIAL_ENGINEERING MEDIA_PRODUCTION MEDICAL_DEVICES MEDICAL_PRACTICE MENTAL_HEALTH_CARE
    MILITARY MINING_METALS MOTION_PICTURES_AND_FILM MUSEUMS_AND_INSTITUTIONS MUSIC NANOTECHNOLOGY NEWSPAPERS
    NON_PROFIT_ORGANIZATION_MANAGEMENT OIL_ENERGY ONLINE_MEDIA OUTSOURCING_OFFSHORING PACKAGE_FREIGHT_DELIVERY
    PACKAGING_AND_CONTAINERS PAPER_FOREST_PRODUCTS PERFORMING_ARTS PHARMACEUTICALS PHILANTHROPY PHOTOGRAPHY PLASTICS
    POLITICAL_ORGANIZATION PRIMARY_SECONDARY_EDUCATION PRINTING PROFESSIONAL_TRAINING_COACHING PROGRAM_DEVELOPMENT
    PUBLIC_POLICY PUBLIC_RELATIONS_AND_COMMUNICATIONS PUBLIC_SAFETY PUBLISHING RAILROAD_MANUFACTURE RANCHING
    REAL_ESTATE RECREATIONAL_FACILITIES_AND_SERVICES RELIGIOUS_INSTITUTIONS RENEWABLES_ENVIRONMENT RESEARCH
    RESTAURANTS RETAIL SECURITY_AND_INVESTIGATIONS SEMICONDUCTORS SHIPBUILDING SPORTING_GOODS SPORTS
    STAFFING_AND_RECRUITING SUPERMARKETS TELECOMMUNICATIONS TEXTILES THINK_TANKS TOBACCO TRANSLATION_AND_LOCALIZATION
    TRANSPORTATION_TRUCKING_RAILROAD UTILITIES VENTURE_CAPITAL_PRIVATE_EQUITY VETERINARY WAREHOUSING WHOLESALE
    WINE_AND_SPIRITS WIRELESS WRITING_AND_EDITING MOBILE_GAMES
    """
)
# The seed's industries (seed_data.INDUSTRIES) as a company's `industry` value; universities are HIGHER_EDUCATION.
SEED_INDUSTRY_VALUES = {
    "Software": "COMPUTER_SOFTWARE",
    "Financial Services": "FINANCIAL_SERVICES",
    "Healthcare": "HOSPITAL_HEALTH_CARE",
    "Manufacturing": "MECHANICAL_OR_INDUSTRIAL_ENGINEERING",
    "Retail": "RETAIL",
    "Education": "EDUCATION_MANAGEMENT",
    "Government": "GOVERNMENT_ADMINISTRATION",
    "Media": "ONLINE_MEDIA",
    "Logistics": "LOGISTICS_AND_SUPPLY_CHAIN",
    "Telecommunications": "TELECOMMUNICATIONS",
    "Professional Services": "MANAGEMENT_CONSULTING",
    "Energy": "OIL_ENERGY",
    "Hospitality": "HOSPITALITY",
}
UNIVERSITY_INDUSTRY = "HIGHER_EDUCATION"


def _label(value: str) -> str:
    return " ".join(word.capitalize() for word in value.split("_"))


def _spec(name: str, label: str, ptype: str, ftype: str, **kw: Any) -> dict[str, Any]:
    return {"name": name, "label": label, "type": ptype, "field_type": ftype, "group_name": GROUP_COMPANY, **kw}


def _company_specs() -> list[dict[str, Any]]:
    text, num, dt = TYPE_STRING, TYPE_NUMBER, TYPE_DATETIME
    industries = make_options(HUBSPOT_INDUSTRIES, [_label(v) for v in HUBSPOT_INDUSTRIES])
    return [
        _spec("name", "Company name", text, "text"),
        _spec("domain", "Company Domain Name", text, "text"),
        _spec("website", "Website URL", text, "text"),
        _spec("phone", "Phone Number", text, "phonenumber"),
        _spec("industry", "Industry", TYPE_ENUMERATION, "select", options=industries),
        _spec("numberofemployees", "Number of Employees", num, "number"),
        _spec("annualrevenue", "Annual Revenue", num, "number"),
        _spec("country", "Country/Region", text, "text"),
        _spec("city", "City", text, "text"),
        _spec("createdate", "Create Date", dt, "date", read_only=True),
        _spec(COMPANY_MODIFIED, "Last Modified Date", dt, "date", read_only=True),
        _spec("hs_object_id", "Record ID", num, "number", read_only=True),
    ]


def standard_company_definitions(created_at: str) -> dict[str, PropertyDefinition]:
    """A fresh set of the standard company property definitions."""
    out: dict[str, PropertyDefinition] = {}
    for order, spec in enumerate(_company_specs()):
        spec.setdefault("calculated", spec.get("read_only", False) and spec["name"] not in COMPANY_CORE_PROPERTIES)
        out[spec["name"]] = PropertyDefinition(created_at=created_at, display_order=order, **spec)
    return out


def standard_company_groups() -> dict[str, dict[str, Any]]:
    """A fresh set of the standard company property groups."""
    return {
        name: {"name": name, "label": label, "displayOrder": order, "archived": False}
        for order, (name, label) in enumerate(STANDARD_COMPANY_GROUPS)
    }
