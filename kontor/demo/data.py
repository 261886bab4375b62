"""Demo data: a small, believable customer base for a first look at Kontor."""

ORGANIZATIONS = [
    # name, website, phone, stage, tags
    (
        "Bäckerei Schulze GmbH",
        "https://www.baeckerei-schulze.de",
        "030 4401230",
        "customer",
        ["Bäckerei"],
    ),
    (
        "Müller & Söhne Maschinenbau KG",
        "https://mueller-maschinenbau.de",
        "0711 2299300",
        "customer",
        ["Industrie", "Key Account"],
    ),
    (
        "Nordlicht Logistik AG",
        "https://nordlicht-logistik.de",
        "040 3346780",
        "prospect",
        ["Logistik"],
    ),
    ("Praxis Dr. Weber", "", "089 5512345", "lead", ["Gesundheit"]),
    ("Hansen Solar GmbH", "https://hansen-solar.de", "0431 998877", "customer", ["Energie"]),
    ("Café Kranz", "", "0221 7788990", "former", ["Gastronomie"]),
    ("Acme Europe B.V.", "https://acme-europe.nl", "+31 20 5550123", "prospect", ["International"]),
    (
        "Vienna Consulting GmbH",
        "https://vienna-consulting.at",
        "+43 1 5321234",
        "lead",
        ["International", "Beratung"],
    ),
]

CONTACTS = [
    # first, last, organization index or None, email, phone, stage
    ("Anna", "Schulze", 0, "anna.schulze@baeckerei-schulze.de", "030 4401230-12", "customer"),
    ("Peter", "Schulze", 0, "peter@baeckerei-schulze.de", "0171 2345678", "customer"),
    ("Jürgen", "Müller", 1, "j.mueller@mueller-maschinenbau.de", "0711 2299300-0", "customer"),
    ("Sabine", "Koch", 1, "s.koch@mueller-maschinenbau.de", "0711 2299300-41", "customer"),
    ("Mehmet", "Yılmaz", 1, "m.yilmaz@mueller-maschinenbau.de", "0152 11223344", "customer"),
    ("Lena", "Hoffmann", 2, "lena.hoffmann@nordlicht-logistik.de", "040 3346780-5", "prospect"),
    ("Tobias", "Wagner", 2, "t.wagner@nordlicht-logistik.de", "", "prospect"),
    ("Claudia", "Weber", 3, "praxis@dr-weber-muenchen.de", "089 5512345", "lead"),
    ("Henrik", "Hansen", 4, "henrik@hansen-solar.de", "0431 998877-1", "customer"),
    ("Maria", "Kranz", 5, "maria.kranz@web.de", "0221 7788990", "former"),
    ("Sophie", "de Vries", 6, "sophie.devries@acme-europe.nl", "+31 6 12345678", "prospect"),
    ("Lukas", "Gruber", 7, "lukas.gruber@vienna-consulting.at", "+43 664 1234567", "lead"),
    ("Fatma", "Demir", None, "fatma.demir@gmail.com", "0176 98765432", "lead"),
    ("Klaus", "Becker", None, "", "030 8765432", "prospect"),
]

# Dirty records, as they arrive in real life: only one identifier known.
DIRTY_CONTACTS = [
    {"emails": [{"address": "info@unbekannt-gmbh.de"}]},
    {"phones": [{"number": "+49 40 1234 5678"}]},
    {"first_name": "Herr Lehmann"},
]

TEAM = [
    # username, first name, last name, role (kontor.access default roles)
    ("mia", "Mia", "Vertrieb", "sales"),
    ("jonas", "Jonas", "Service", "service"),
]
# Both work in one team, so each sees every demo customer.
TEAM_NAME = "Kundenteam"
