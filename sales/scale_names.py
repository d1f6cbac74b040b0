"""Names, sizes and vocabulary of the sales benchmark data set (`generate_sales_scale_data`),
shared by the generator, its extras and the benchmark."""

from decimal import Decimal

MARKER = "bench:"  # Opportunity.external_id "bench:<n>"
LEAD_MARKER = "bench-lead:"  # Lead.external_id "bench-lead:<n>"
MANAGER = "bench.manager"
TEAM_NAME = "Bench team {:02}"
REP_NAME = "bench.rep.{:02}"
PIPELINE_NAME = "Bench pipeline"
QUOTE_NUMBER = "BENCH-Q-200"
PRODUCT_SKU = "BENCH-{:03}"
TEAMS, REPS_PER_TEAM, QUARTERS = 10, 8, 8
CURRENCIES = {"USD": ("US dollar", "$", Decimal("1")), "EUR": ("Euro", "€", Decimal("0.92")),
              "GBP": ("Pound sterling", "£", Decimal("0.79"))}  # per USD  # fmt: skip
# (name, countries, sources, min employees, team number): first match wins, as in the app.
RULES = [
    ("Enterprise partners", [], ["Partner"], 500, 10),
    ("Trade show leads", [], ["Trade show"], None, 9),
    ("Italy enterprise", ["Italy"], [], 200, 1),
    ("Italy", ["Italy"], [], None, 2),
    ("DACH", ["Germany", "Austria", "Switzerland"], [], None, 3),
    ("UK and Ireland", ["United Kingdom", "Ireland"], [], None, 4),
    ("France", ["France"], [], None, 5),
    ("Iberia", ["Spain", "Portugal"], [], None, 6),
    ("Benelux, Nordics, Poland", ["Netherlands", "Belgium", "Sweden", "Poland"], [], None, 7),
    ("North America", ["United States", "Canada"], [], None, 8),
]
LEAD_SOURCES = ["Web", "Web", "Import", "Campaign", "Referral", "Partner", "Trade show",
                "Cold call"]  # fmt: skip
UNROUTED = [("Tokyo", "Kanto", "Japan"), ("São Paulo", "SP", "Brazil"),
            ("Sydney", "NSW", "Australia"), ("Bengaluru", "Karnataka", "India")]  # fmt: skip
DEAL_KINDS = ["new logo", "expansion", "renewal", "upgrade", "pilot", "migration",
              "support plan", "licences", "rollout", "framework agreement"]  # fmt: skip
NEXT_STEPS = ["", "Send the proposal", "Schedule a demo", "Call the buyer", "Security review",
              "Legal review of the contract", "Meet the CFO", "Trial set-up"]  # fmt: skip
LOST_REASONS = ["price", "product", "competitor", "no_decision", "timing", "other"]
FAMILIES = ["Hardware", "Software", "Services", "Support", "Training"]
HOT_SHARE = 0.004  # of the deals, on the busiest account (the account page benchmark)
