"""Word lists and weights the seed generator draws from (plain data, no logic)."""

from __future__ import annotations


def _words(text: str) -> tuple[str, ...]:
    """A whitespace-separated word list (keeps long lists compact)."""
    return tuple(text.split())


FIRST_NAMES = _words(
    "James Mary John Patricia Robert Jennifer Michael Linda David Elizabeth William Barbara Richard Susan "
    "Joseph Jessica Thomas Sarah Charles Karen Daniel Lisa Matthew Nancy Anthony Sandra Mark Ashley Paul "
    "Emily Steven Donna Andrew Michelle Joshua Carol Kevin Amanda Brian Melissa George Deborah Timothy "
    "Stephanie Ryan Rebecca Jacob Laura Gary Sharon Nicholas Cynthia Eric Kathleen Jonathan Amy Stephen "
    "Angela Larry Shirley Justin Anna Scott Ruth Brandon Brenda Benjamin Pamela Samuel Nicole Oliver "
    "Sophie Lukas Lena Felix Hannah Maximilian Clara Lucas Chloe Hugo Manon Louis Camille Daan Emma Sem "
    "Julia Liam Noah Aarav Priya Rohan Ananya Vikram Diya Arjun Kavya Rafael Beatriz Gabriel Mariana Mateo "
    "Lucia Pablo Sofia Lars Ingrid Erik Astrid Kenji Yuki Hiroshi Aiko Wei Mei Chen Lin Omar Layla Ahmed "
    "Fatima Kwame Amara Tariq Zara Ivan Olga Marco Giulia Liam Aoife Connor Siobhan"
)

LAST_NAMES = _words(
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez Gonzalez "
    "Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris Sanchez Clark "
    "Ramirez Lewis Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill Flores Green Adams "
    "Nelson Baker Hall Rivera Campbell Mitchell Carter Roberts Muller Schmidt Schneider Fischer Weber "
    "Meyer Wagner Becker Schulz Hoffmann Dubois Durand Lefebvre Moreau Laurent Simon Michel Leroy deVries "
    "Jansen Bakker Visser Smit Meijer Patel Sharma Gupta Singh Kumar Reddy Iyer Nair Silva Santos Oliveira "
    "Souza Costa Pereira Ferreira Almeida Andersson Johansson Karlsson Nilsson Tanaka Suzuki Watanabe Sato "
    "Wang Zhang Liu Chen Yang Khan Ali Hussain Okafor Mensah Rossi Russo Ferrari Esposito Bianchi Murphy "
    "Kelly OBrien Walsh Byrne Novak Kowalski Nowak Ivanova Petrov"
)

COMPANY_PREFIXES = _words(
    "North Blue Bright Silver Green Red Iron Clear Swift True Prime Apex Summit Harbor River Stone Cedar "
    "Maple Pine Oak Falcon Eagle Orbit Nova Quantum Vector Pixel Signal Beacon Atlas Vertex Crest Lumen "
    "Cobalt Amber Coral Delta Echo Fjord Granite Horizon Juniper Keystone Lattice Meridian Nimbus Onyx "
    "Polar Quartz Radius Sierra Tidal Umbra Vista Willow Zenith Arbor Bolt Canyon Drift Ember Forge"
)

COMPANY_STEMS = _words(
    "wind peak wave field point bridge line path stack works labs logic grid scale loop sense ware shift "
    "mark flow gate base core dock hub link mind port sight spark sphere stream trail"
)

COMPANY_SUFFIXES = (
    "Inc",
    "GmbH",
    "Ltd",
    "Group",
    "Systems",
    "Solutions",
    "Technologies",
    "Partners",
    "Co",
    "",
)

INDUSTRIES = (
    ("Software", 22),
    ("Financial Services", 11),
    ("Healthcare", 10),
    ("Manufacturing", 10),
    ("Retail", 8),
    ("Education", 5),
    ("Government", 3),
    ("Media", 5),
    ("Logistics", 6),
    ("Telecommunications", 5),
    ("Professional Services", 8),
    ("Energy", 4),
    ("Hospitality", 3),
)

EMPLOYEE_BAND_WEIGHTS = (
    ("1-5", 8),
    ("5-25", 18),
    ("25-50", 16),
    ("50-100", 15),
    ("100-500", 22),
    ("500-1000", 9),
    ("1000+", 12),
)
# head counts a band stands for (a firm's number of employees is drawn within its band)
EMPLOYEES_BY_BAND = {
    "1-5": (1, 5),
    "5-25": (5, 25),
    "25-50": (25, 50),
    "50-100": (50, 100),
    "100-500": (100, 500),
    "500-1000": (500, 1000),
    "1000+": (1000, 50_000),
}
REVENUE_RANGE_BY_BAND = {
    "1-5": (100_000, 1_000_000),
    "5-25": (500_000, 5_000_000),
    "25-50": (2_000_000, 12_000_000),
    "50-100": (5_000_000, 30_000_000),
    "100-500": (15_000_000, 150_000_000),
    "500-1000": (80_000_000, 500_000_000),
    "1000+": (300_000_000, 20_000_000_000),
}

# (country name, weight, top-level domain, phone prefix, cities)
COUNTRIES = (
    (
        "United States",
        38,
        "com",
        "+1",
        ("New York", "San Francisco", "Austin", "Chicago", "Boston", "Seattle", "Denver", "Atlanta"),
    ),
    ("United Kingdom", 12, "co.uk", "+44", ("London", "Manchester", "Edinburgh", "Bristol", "Leeds")),
    ("Germany", 9, "de", "+49", ("Berlin", "Munich", "Hamburg", "Frankfurt", "Cologne")),
    ("France", 6, "fr", "+33", ("Paris", "Lyon", "Toulouse", "Nantes")),
    ("Netherlands", 4, "nl", "+31", ("Amsterdam", "Rotterdam", "Utrecht", "Eindhoven")),
    ("Canada", 6, "ca", "+1", ("Toronto", "Vancouver", "Montreal", "Calgary")),
    ("Australia", 5, "com.au", "+61", ("Sydney", "Melbourne", "Brisbane", "Perth")),
    ("India", 7, "in", "+91", ("Bengaluru", "Mumbai", "Pune", "Hyderabad", "Delhi")),
    ("Brazil", 4, "com.br", "+55", ("Sao Paulo", "Rio de Janeiro", "Belo Horizonte")),
    ("Spain", 2, "es", "+34", ("Madrid", "Barcelona", "Valencia")),
    ("Sweden", 2, "se", "+46", ("Stockholm", "Gothenburg")),
    ("Japan", 2, "jp", "+81", ("Tokyo", "Osaka")),
    ("Singapore", 1, "sg", "+65", ("Singapore",)),
    ("Ireland", 2, "ie", "+353", ("Dublin", "Cork")),
)

FREE_MAIL_DOMAINS = (
    "gmail.com",
    "yahoo.com",
    "outlook.com",
    "hotmail.com",
    "icloud.com",
    "gmx.de",
    "proton.me",
)
COMPETITOR_DOMAIN = "competitor.io"
COMPETITOR_COMPANY = "Competitor IO"
COMPETITOR_BAND = "100-500"
UNIVERSITIES = (
    ("Northfield University", "northfield.edu"),
    ("Lakeside State University", "lakeside.edu"),
    ("Westbrook College", "westbrook.edu"),
    ("Hillcrest Institute of Technology", "hillcrest.edu"),
    ("Riverside University", "riverside.edu"),
)

FUNCTIONS = (
    "Marketing",
    "Sales",
    "Engineering",
    "Operations",
    "Finance",
    "IT",
    "Human Resources",
    "Product",
    "Customer Success",
    "Revenue Operations",
)
C_LEVEL = (
    "Chief Executive Officer",
    "Chief Marketing Officer",
    "Chief Revenue Officer",
    "Chief Technology Officer",
    "Chief Financial Officer",
    "Chief Operating Officer",
    "Founder & CEO",
    "Co-Founder",
)
IC_TITLES = {
    "Marketing": (
        "Marketing Specialist",
        "Content Marketer",
        "Demand Generation Specialist",
        "SEO Specialist",
    ),
    "Sales": ("Account Executive", "Sales Development Representative", "Business Development Representative"),
    "Engineering": ("Software Engineer", "Senior Software Engineer", "DevOps Engineer", "Data Engineer"),
    "Operations": ("Operations Analyst", "Operations Specialist"),
    "Finance": ("Financial Analyst", "Accountant"),
    "IT": ("Systems Administrator", "IT Specialist"),
    "Human Resources": ("HR Generalist", "Recruiter"),
    "Product": ("Product Designer", "Product Analyst"),
    "Customer Success": ("Customer Success Manager", "Support Specialist"),
    "Revenue Operations": ("RevOps Analyst", "Sales Operations Analyst", "CRM Administrator"),
}
# (seniority, weight)
SENIORITIES = (("c_level", 5), ("vp", 8), ("director", 15), ("manager", 26), ("ic", 42), ("intern", 4))

ANALYTICS_SOURCE_WEIGHTS = (
    ("ORGANIC_SEARCH", 28),
    ("PAID_SEARCH", 12),
    ("EMAIL_MARKETING", 8),
    ("SOCIAL_MEDIA", 9),
    ("REFERRALS", 10),
    ("OTHER_CAMPAIGNS", 6),
    ("DIRECT_TRAFFIC", 15),
    ("OFFLINE", 7),
    ("PAID_SOCIAL", 5),
)

STAGE_WEIGHTS = (
    ("subscriber", 20),
    ("lead", 45),
    ("marketingqualifiedlead", 12),
    ("salesqualifiedlead", 9),
    ("opportunity", 7),
    ("customer", 6),
    ("other", 1),
)

LEAD_STATUS_BY_STAGE = {
    "subscriber": (("", 85), ("NEW", 15)),
    "lead": (
        ("NEW", 30),
        ("OPEN", 20),
        ("ATTEMPTED_TO_CONTACT", 20),
        ("CONNECTED", 10),
        ("IN_PROGRESS", 8),
        ("UNQUALIFIED", 7),
        ("BAD_TIMING", 5),
    ),
    "marketingqualifiedlead": (("OPEN", 35), ("ATTEMPTED_TO_CONTACT", 30), ("CONNECTED", 20), ("NEW", 15)),
    "salesqualifiedlead": (("IN_PROGRESS", 60), ("CONNECTED", 25), ("OPEN_DEAL", 15)),
    "opportunity": (("OPEN_DEAL", 70), ("IN_PROGRESS", 30)),
    "customer": (("", 60), ("OPEN_DEAL", 20), ("CONNECTED", 20)),
    "evangelist": (("", 100),),
    "other": (("", 50), ("UNQUALIFIED", 50)),
}

# ----- activity content ------------
WEBSITE = "https://www.example.com"
PAGES = (
    ("/", "Home"),
    ("/product", "Product overview"),
    ("/product/integrations", "Integrations"),
    ("/pricing", "Pricing"),
    ("/demo", "Book a demo"),
    ("/blog/lead-scoring-basics", "Lead scoring basics"),
    ("/blog/crm-data-hygiene", "CRM data hygiene checklist"),
    ("/blog/revops-metrics", "The RevOps metrics that matter"),
    ("/blog/mql-vs-sql", "MQL vs SQL: where to draw the line"),
    ("/case-studies/northwind", "Case study: Northwind"),
    ("/case-studies/bluepeak", "Case study: Bluepeak"),
    ("/about", "About us"),
    ("/careers", "Careers"),
)
# page index weights; /pricing (index 3) is about 10% of views
PAGE_WEIGHTS = (20, 12, 5, 10, 4, 10, 8, 7, 7, 5, 4, 4, 4)
CONTENT_TITLES = (
    "The 2026 State of RevOps",
    "Lead Scoring Playbook",
    "CRM Migration Guide",
    "Sales Handover SLA Template",
    "Pipeline Forecasting Workbook",
)
WEBINAR_TITLES = (
    "Scoring leads that sales trusts",
    "From MQL to revenue",
    "Cleaning up your CRM in 30 days",
    "Building a handover SLA",
)
FORM_CONTACT = "Contact us"
FORM_DEMO = "Request a demo"
FORM_NEWSLETTER = "Newsletter signup"
EMAIL_CAMPAIGNS = (
    "Monthly newsletter",
    "Product update",
    "Webinar invitation",
    "Case study spotlight",
    "Pricing update",
    "Event recap",
)
SALES_EMAIL_SUBJECTS = (
    "Quick question",
    "Following up on your demo request",
    "Ideas for your team",
    "Re-connecting",
    "Pricing details as promised",
    "Next steps",
    "Checking in",
    "Intro from our team",
    "Proposal attached",
    "Your trial",
)
CALL_TITLES = ("Discovery call", "Follow-up call", "Intro call", "Pricing discussion", "Check-in call")
MEETING_TITLES = (
    "Product demo",
    "Discovery meeting",
    "Technical deep dive",
    "Proposal review",
    "Quarterly business review",
    "Onboarding kickoff",
)
NOTE_BODIES = (
    "Interested in the scoring features; evaluating two other vendors.",
    "Budget approved for next quarter.",
    "Asked for a security questionnaire.",
    "Wants a trial for the RevOps team.",
    "Champion is moving to another team, find a new contact.",
    "Not a fit right now, revisit in six months.",
    "Left a voicemail.",
    "Requested references from a similar company.",
)
TASK_SUBJECTS = (
    "Follow up after demo",
    "Send pricing",
    "Call back",
    "Send case study",
    "Prepare proposal",
    "Check in after trial",
)
