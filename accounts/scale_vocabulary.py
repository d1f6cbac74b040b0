"""The fixed word lists ``manage.py generate_scale_data`` builds its rows from: people's names,
places, streets, company names, industries, titles, activity kinds with their weights,
subjects and outcomes (Faker is far too slow for a million rows), and ``ascii_slug`` for e-mail
addresses and domains. Data only: the loader is ``accounts.scale_data``."""

from __future__ import annotations

import unicodedata


def _words(text: str) -> list[str]:
    return text.split()


HOT_ACCOUNT_NAME = "Mediterranea Telecom S.p.A."

FIRST_NAMES = _words("""
Anna Marco Giulia Luca Sofia Matteo Chiara Alessandro Francesca Lorenzo Elena Davide Sara
Andrea Martina Simone Valentina Federico Laura Giovanni Paola Stefano Silvia Roberto Alice
Thomas Lukas Leon Jonas Felix Maximilian Paul Lena Hannah Mia Emma Lea Laura Julia Katharina
Anja Sabine Klaus Jürgen Stefan Michael Andreas Wolfgang Petra Monika Ursula Heike
James John Robert David William Richard Joseph Charles Daniel Matthew Emily Olivia Jessica
Sarah Emma Charlotte Amelia Grace Lucy Hannah Oliver Harry George Jack Noah Jacob Ethan
Pierre Jean Louis Lucas Hugo Camille Léa Chloé Manon Inès Julien Nicolas Antoine Mathilde
Carlos Javier Miguel Pablo Diego Alejandro Lucía María Carmen Isabel Elena Marta Ana Sergio
Jan Piotr Krzysztof Tomasz Agnieszka Katarzyna Magdalena Joanna Pieter Daan Sanne Femke
Lars Erik Nils Ingrid Astrid Sven Karin Mikael Johanna Priya Arjun Ravi Aisha Omar Fatima
Yusuf Mehmet Ayşe Zeynep Kenji Yuki Hiro Mei Wei Li Chen Ngozi Chinedu Amara Kwame Tariq
""")

LAST_NAMES = _words("""
Rossi Russo Ferrari Esposito Bianchi Romano Colombo Ricci Marino Greco Bruno Gallo Conti
DeLuca Mancini Costa Giordano Rizzo Lombardi Moretti Barbieri Fontana Santoro Mariani Rinaldi
Caruso Ferrara Galli Martini Leone Longo Gentile Martinelli Vitale Serra Coppola DeSantis
Müller Schmidt Schneider Fischer Weber Meyer Wagner Becker Schulz Hoffmann Schäfer Koch
Bauer Richter Klein Wolf Schröder Neumann Schwarz Zimmermann Braun Krüger Hofmann Hartmann
Smith Johnson Williams Brown Jones Miller Davis Wilson Anderson Taylor Thomas Moore Jackson
Martin Lee Thompson White Harris Clark Lewis Robinson Walker Young Allen King Wright Scott
Green Baker Adams Nelson Hill Campbell Mitchell Roberts Carter Phillips Evans Turner Parker
Dubois Durand Lefebvre Moreau Laurent Simon Michel Garcia Bernard Petit Roux Fournier Girard
Bonnet Dupont Lambert Fontaine Rousseau Vincent Muller Lefevre Faure Andre Mercier Blanc
González Rodríguez Fernández López Martínez Sánchez Pérez Gómez Díaz Moreno Álvarez Romero
Navarro Torres Domínguez Vázquez Ramos Gil Serrano Molina Ortega Delgado Castro Ortiz Rubio
Nowak Kowalski Wiśniewski Wójcik Kowalczyk Kamiński Lewandowski Zieliński Szymański
DeJong Jansen DeVries VandenBerg VanDijk Bakker Janssen Visser Smit Meijer Mulder Bos
Andersson Johansson Karlsson Nilsson Eriksson Larsson Olsson Persson Svensson Hansen
Nielsen Jensen Pedersen Kristensen Patel Sharma Singh Kumar Gupta Khan Ali Hassan Yılmaz
Kaya Demir Şahin Çelik Tanaka Suzuki Watanabe Yamamoto Wang Zhang Liu Okafor Mensah Nwosu
O'Brien O'Connor Murphy Kelly Walsh Byrne Ryan Doyle McCarthy Gallagher Kennedy Lynch
""")

# city, region, country, country phone code, language
PLACES = [
    ("Milano", "Lombardia", "Italy", "39", "it"), ("Roma", "Lazio", "Italy", "39", "it"),
    ("Torino", "Piemonte", "Italy", "39", "it"), ("Napoli", "Campania", "Italy", "39", "it"),
    ("Bologna", "Emilia-Romagna", "Italy", "39", "it"), ("Genova", "Liguria", "Italy", "39", "it"),
    ("Firenze", "Toscana", "Italy", "39", "it"), ("Venezia", "Veneto", "Italy", "39", "it"),
    ("Berlin", "Berlin", "Germany", "49", "de"), ("München", "Bayern", "Germany", "49", "de"),
    ("Hamburg", "Hamburg", "Germany", "49", "de"), ("Köln", "NRW", "Germany", "49", "de"),
    ("London", "England", "United Kingdom", "44", "en"),
    ("Manchester", "England", "United Kingdom", "44", "en"),
    ("Edinburgh", "Scotland", "United Kingdom", "44", "en"),
    ("Paris", "Île-de-France", "France", "33", "fr"), ("Lyon", "Rhône", "France", "33", "fr"),
    ("Marseille", "Provence", "France", "33", "fr"), ("Madrid", "Madrid", "Spain", "34", "es"),
    ("Barcelona", "Cataluña", "Spain", "34", "es"), ("Valencia", "Valencia", "Spain", "34", "es"),
    ("Amsterdam", "Noord-Holland", "Netherlands", "31", "nl"),
    ("Rotterdam", "Zuid-Holland", "Netherlands", "31", "nl"),
    ("Warszawa", "Mazowieckie", "Poland", "48", "pl"),
    ("Kraków", "Małopolskie", "Poland", "48", "pl"),
    ("Stockholm", "Stockholm", "Sweden", "46", "sv"), ("Wien", "Wien", "Austria", "43", "de"),
    ("Zürich", "Zürich", "Switzerland", "41", "de"), ("Dublin", "Leinster", "Ireland", "353", "en"),
    ("New York", "NY", "United States", "1", "en"), ("Chicago", "IL", "United States", "1", "en"),
    ("Austin", "TX", "United States", "1", "en"),
    ("San Francisco", "CA", "United States", "1", "en"),
    ("Boston", "MA", "United States", "1", "en"), ("Toronto", "ON", "Canada", "1", "en"),
]  # fmt: skip
STREETS = ["Via Roma", "Via Garibaldi", "Corso Italia", "Hauptstraße", "Bahnhofstraße",
           "High Street", "Station Road", "Rue de la Paix", "Avenue Victor Hugo", "Calle Mayor",
           "Gran Vía", "Kerkstraat", "ul. Długa", "Main Street", "Oak Avenue",
           "Market Street"]  # fmt: skip
INDUSTRIES = ["Technology", "Telecommunications", "Retail", "Manufacturing", "Finance",
              "Healthcare", "Logistics", "Energy", "Hospitality", "Construction", "Education",
              "Media", "Shipbuilding", "Agriculture", "Automotive", "Insurance"]  # fmt: skip
COMPANY_WORDS = ["Nord", "Sud", "Alpine", "Adriatic", "Baltic", "Atlas", "Vega", "Orion",
                 "Delta", "Nova", "Prime", "Blue", "Green", "Silver", "Iron", "Summit", "Harbor",
                 "Pioneer", "Vertex", "Apex", "Lumen", "Terra", "Aqua", "Metro",
                 "Civic"]  # fmt: skip
COMPANY_NOUNS = ["Systems", "Logistics", "Foods", "Textiles", "Energy", "Telecom", "Networks",
                 "Solutions", "Consulting", "Engineering", "Marine", "Motors", "Pharma",
                 "Retail", "Labs", "Media", "Builders", "Capital", "Holdings", "Works"]  # fmt: skip
LEGAL = ["S.p.A.", "S.r.l.", "GmbH", "AG", "Ltd", "plc", "SAS", "SA", "S.L.", "B.V.", "Sp. z o.o.",
         "AB", "Inc.", "LLC", "& Co.", ""]  # fmt: skip
SEGMENTS = ["Enterprise", "Mid-market", "SMB", "Public sector", "Consumer"]
SOURCES = ["Web", "Trade show", "Referral", "Partner", "Cold call", "Import", "Campaign"]
TITLES = ["CEO", "CFO", "CTO", "Head of IT", "Procurement Manager", "Operations Director",
          "Office Manager", "Sales Director", "Marketing Manager", "Buyer", "Engineer",
          "Project Manager", "Accountant", "HR Manager", "Customer", ""]  # fmt: skip
DEPARTMENTS = ["Management", "IT", "Procurement", "Operations", "Finance", "Sales", "Marketing",
               "HR", "Logistics", ""]  # fmt: skip
SALUTATIONS = ["", "", "Mr.", "Ms.", "Dr."]
CHANNELS = ["", "", "email", "phone", "sms"]
CONSUMER_DOMAINS = ["mail.example", "posta.example", "web.example", "inbox.example"]

KINDS = [("call", 30), ("email", 25), ("task", 20), ("meeting", 15), ("note", 10)]
SUBJECTS = {
    "call": ["Follow-up call", "Renewal call", "Discovery call", "Support escalation call",
             "Pricing discussion", "Contract questions", "Check-in call"],
    "email": ["Sent proposal", "Sent invoice copy", "Replied to enquiry", "Sent brochure",
              "Confirmed appointment", "Sent contract draft"],
    "task": ["Prepare quote", "Send contract", "Update billing details", "Schedule demo",
             "Check payment", "Renew subscription", "Review SLA"],
    "meeting": ["Quarterly review", "Product demo", "On-site visit", "Kick-off meeting",
                "Negotiation", "Workshop"],
    "note": ["Customer prefers e-mail", "Budget approved for next year", "New decision maker",
             "Complained about delivery times", "Interested in upgrade"],
}  # fmt: skip
OUTCOMES = {"call": ["Reached", "Left voicemail", "No answer", "Call back later"],
            "meeting": ["Positive", "Needs follow-up", "Postponed"]}  # fmt: skip

_ASCII = str.maketrans({"ł": "l", "ı": "i", "ß": "ss", "ø": "o", "đ": "d"})


def ascii_slug(text: str) -> str:
    """'Magdalena Álvarez' -> 'magdalenaalvarez' (for e-mail addresses and domains)."""
    text = unicodedata.normalize("NFKD", text.lower().translate(_ASCII))
    return "".join(ch for ch in text if ch.isascii() and ch.isalnum())
