"""Word lists for synthetic data: German and international names, companies
and the phone numbering of the places they are in."""

import itertools

FIRST_NAMES = [
    "Anna",
    "Lena",
    "Marie",
    "Sophie",
    "Laura",
    "Julia",
    "Lea",
    "Hannah",
    "Emma",
    "Mia",
    "Sarah",
    "Lisa",
    "Katharina",
    "Johanna",
    "Sabine",
    "Claudia",
    "Petra",
    "Andrea",
    "Birgit",
    "Ursula",
    "Monika",
    "Renate",
    "Gabriele",
    "Fatma",
    "Ayşe",
    "Elif",
    "Zeynep",
    "Olga",
    "Natalia",
    "Agnieszka",
    "Joanna",
    "Chiara",
    "Giulia",
    "Sofia",
    "Lucía",
    "Camille",
    "Chloé",
    "Emily",
    "Olivia",
    "Priya",
    "Lukas",
    "Leon",
    "Jonas",
    "Finn",
    "Paul",
    "Felix",
    "Maximilian",
    "Elias",
    "Noah",
    "Ben",
    "Tim",
    "Jan",
    "Tobias",
    "Michael",
    "Thomas",
    "Andreas",
    "Stefan",
    "Markus",
    "Christian",
    "Peter",
    "Klaus",
    "Jürgen",
    "Wolfgang",
    "Uwe",
    "Dieter",
    "Mehmet",
    "Mustafa",
    "Ahmet",
    "Emre",
    "Piotr",
    "Tomasz",
    "Marco",
    "Luca",
    "Matteo",
    "Pierre",
    "Louis",
    "Hugo",
    "James",
    "Oliver",
    "William",
    "Raj",
    "Wei",
]

LAST_NAMES = [
    "Müller",
    "Schmidt",
    "Schneider",
    "Fischer",
    "Weber",
    "Meyer",
    "Wagner",
    "Becker",
    "Schulz",
    "Hoffmann",
    "Schäfer",
    "Koch",
    "Bauer",
    "Richter",
    "Klein",
    "Wolf",
    "Schröder",
    "Neumann",
    "Schwarz",
    "Zimmermann",
    "Braun",
    "Krüger",
    "Hofmann",
    "Hartmann",
    "Lange",
    "Schmitt",
    "Werner",
    "Schmitz",
    "Krause",
    "Meier",
    "Lehmann",
    "Schmid",
    "Schulze",
    "Maier",
    "Köhler",
    "Herrmann",
    "König",
    "Walter",
    "Mayer",
    "Huber",
    "Kaiser",
    "Fuchs",
    "Peters",
    "Lang",
    "Scholz",
    "Möller",
    "Weiß",
    "Jung",
    "Hahn",
    "Vogel",
    "Yılmaz",
    "Kaya",
    "Demir",
    "Şahin",
    "Çelik",
    "Kowalski",
    "Nowak",
    "Wiśniewski",
    "Rossi",
    "Russo",
    "Ferrari",
    "Bianchi",
    "Martin",
    "Bernard",
    "Dubois",
    "García",
    "Fernández",
    "López",
    "Smith",
    "Jones",
    "Taylor",
    "Brown",
    "Patel",
    "Kumar",
    "Wang",
    "Li",
    "Zhang",
    "Nguyen",
    "de",
    "Vries",
    "Jansen",
    "van",
    "Dijk",
    "Novák",
    "Horvat",
    "Popescu",
    "Andersson",
    "Nielsen",
]

COMPANY_WORDS = [
    "Nordlicht",
    "Alpen",
    "Rhein",
    "Elbe",
    "Spree",
    "Main",
    "Hansa",
    "Sonnen",
    "Berg",
    "Wald",
    "Stern",
    "Blau",
    "Grün",
    "Kraft",
    "Fein",
    "Stahl",
    "Holz",
    "Glas",
    "Licht",
    "Wasser",
    "Strom",
    "Daten",
    "Medien",
    "Digital",
    "Agrar",
    "Bio",
    "Solar",
    "Wind",
    "Tech",
    "Bau",
    "Logistik",
    "Handel",
    "Maschinen",
    "Werkzeug",
    "Druck",
    "Textil",
    "Möbel",
    "Feinkost",
    "Bäckerei",
    "Brauerei",
    "Praxis",
]

COMPANY_FORMS = ["GmbH", "GmbH & Co. KG", "AG", "KG", "OHG", "e.K.", "UG", "SE", "B.V.", "Ltd."]

# Area codes (without the trunk 0) and their subscriber number lengths.
GERMAN_AREAS = [
    ("30", 7), ("40", 7), ("89", 7), ("221", 7), ("69", 7), ("711", 7), ("211", 7),
    ("231", 7), ("201", 7), ("341", 7), ("351", 7), ("511", 7), ("911", 7), ("421", 7),
    ("431", 6), ("6221", 6), ("7531", 6), ("3831", 6),
]  # fmt: skip
GERMAN_MOBILE = ["151", "152", "157", "160", "162", "170", "171", "172", "175", "176", "177"]

# Country code, area code, subscriber length: numbers from neighbouring countries.
FOREIGN_AREAS = [
    ("43", "1", 7), ("43", "664", 7), ("41", "44", 7), ("41", "79", 7), ("31", "20", 7),
    ("31", "6", 8), ("33", "1", 8), ("33", "6", 8), ("44", "20", 8), ("44", "7911", 6),
]  # fmt: skip

FREE_MAIL = ["gmail.com", "web.de", "gmx.de", "t-online.de", "outlook.com", "yahoo.de"]

SUBJECTS = {
    "call": ["Rückruf wegen Angebot", "Kurze Abstimmung", "Reklamation", "Terminvereinbarung",
             "Follow-up call", "Question about invoice"],
    "email": ["Ihr Angebot", "Re: Lieferung", "Rechnung", "Unterlagen", "Meeting notes",
              "Re: Vertragsverlängerung"],
    "meeting": ["Jahresgespräch", "Produktvorführung", "Kick-off", "Quarterly review",
                "Besuch vor Ort"],
    "note": ["Gesprächsnotiz", "Wichtig", "Info vom Kunden", "Internal note"],
    "task": ["Angebot schicken", "Rückruf", "Vertrag prüfen", "Send brochure", "Nachfassen"],
}  # fmt: skip

# Surnames are far more varied than any list: the hundred most common German
# surnames cover only about a fifth of the population. The rest are composed
# from stems and endings (Brandmeier, Lindtner, Hofstetter, Kowalczyk …).
COMMON_SURNAME_SHARE = 0.2
SURNAME_STEMS = [
    "Acker", "Adler", "Albrecht", "Amsel", "Bach", "Bauer", "Baum", "Berg", "Binder", "Birk",
    "Blum", "Bock", "Brand", "Brenn", "Bruck", "Burg", "Busch", "Dann", "Dorn", "Eber", "Eck",
    "Ehren", "Eich", "Engel", "Falk", "Feld", "Fink", "Fleisch", "Forst", "Frei", "Fried",
    "Fuchs", "Gast", "Gold", "Graf", "Gross", "Grub", "Gut", "Hagen", "Hahn", "Hart", "Hasel",
    "Heid", "Heim", "Hell", "Hirsch", "Hof", "Holz", "Horn", "Huber", "Jung", "Kaiser", "Kalt",
    "Kamm", "Kessel", "Kirch", "Klee", "Klein", "Knapp", "Koch", "Kolb", "Kowal", "Kranz",
    "Kraus", "Kreutz", "Kron", "Kuhn", "Lang", "Lauter", "Lehn", "Lind", "Loh", "Lorenz",
    "Mahl", "Mar", "Mayr", "Mittel", "Moos", "Nagel", "Neu", "Nieder", "Ober", "Olden",
    "Pfeif", "Pohl", "Rad", "Rau", "Reich", "Rein", "Ried", "Ritter", "Rosen", "Roth", "Sand",
    "Sattel", "Scheid", "Schilling", "Schmal", "Schön", "Schwarz", "Seel", "Sieg", "Sommer",
    "Spann", "Stein", "Sterz", "Stoll", "Straub", "Tann", "Thal", "Uhl", "Vogt", "Wag", "Wald",
    "Walter", "Wei", "Wend", "Wies", "Wild", "Winter", "Wolf", "Zeller", "Ziegel", "Zimmer",
]  # fmt: skip
SURNAME_ENDINGS = [
    "", "er", "ner", "mann", "meier", "maier", "huber", "hofer", "berger", "bauer", "inger",
    "le", "ke", "l", "ert", "hardt", "stetter", "mueller", "wald", "feld", "haus", "brink",
    "kamp", "rath", "czyk", "ski", "ow", "ić", "ová", "sen", "strom", "stein",
]  # fmt: skip


def surname(rng) -> str:
    """A surname: one of the common ones (Müller about 1 % of all, as in
    Germany), else a composed one."""
    if rng.random() < COMMON_SURNAME_SHARE:
        return rng.choices(LAST_NAMES, cum_weights=_COMMON_CUM_WEIGHTS)[0]
    return _composed(rng.choice(SURNAME_STEMS), rng.choice(SURNAME_ENDINGS))


def surnames(rng, count: int) -> list[str]:
    """``count`` surnames drawn as ``surname`` draws one, in one call: every
    surname it can give, weighted as likely as it gives it."""
    return rng.choices(_SURNAME_POOL, cum_weights=_SURNAME_CUM_WEIGHTS, k=count)


def _composed(stem: str, ending: str) -> str:
    return stem + (ending if stem[-1] != ending[:1] else ending[1:])


def _zipf_cum_weights(count: int) -> list[float]:
    total, cumulative = 0.0, []
    for rank in range(1, count + 1):
        total += rank**-0.5
        cumulative.append(total)
    return cumulative


_COMMON_CUM_WEIGHTS = _zipf_cum_weights(len(LAST_NAMES))


def _surname_pool() -> tuple[list[str], list[float]]:
    common_total = _COMMON_CUM_WEIGHTS[-1]
    weights = [
        COMMON_SURNAME_SHARE * (rank**-0.5) / common_total for rank in range(1, len(LAST_NAMES) + 1)
    ]
    composed = [_composed(stem, ending) for stem in SURNAME_STEMS for ending in SURNAME_ENDINGS]
    weights += [(1 - COMMON_SURNAME_SHARE) / len(composed)] * len(composed)
    return [*LAST_NAMES, *composed], list(itertools.accumulate(weights))


_SURNAME_POOL, _SURNAME_CUM_WEIGHTS = _surname_pool()
