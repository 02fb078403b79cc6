"""Static vocabularies for the demo data: people, places, depots and suppliers.

Everything here is invented or generic: the names are common Danish names, the streets are
street names found in most Danish towns, and the companies do not exist.
"""

from __future__ import annotations

from dataclasses import dataclass

# Common first names of the generation born 1925-1960 (most citizens who borrow devices).
ELDERLY_FEMALE_NAMES = (
    "Aase", "Anna", "Annie", "Bente", "Birthe", "Dorthe", "Edith", "Ellen", "Else", "Erna",
    "Ester", "Gerda", "Gitte", "Grethe", "Gudrun", "Hanne", "Inge", "Inger", "Ingrid", "Jette",
    "Jytte", "Karen", "Kirsten", "Lene", "Lis", "Lone", "Margit", "Merete", "Mette", "Rigmor",
    "Ruth", "Susanne", "Tove", "Vibeke", "Yvonne",
)  # fmt: skip
ELDERLY_MALE_NAMES = (
    "Aage", "Anker", "Arne", "Bent", "Børge", "Carl", "Egon", "Erik", "Finn", "Flemming",
    "Gunnar", "Hans", "Henning", "Holger", "Jan", "Jens", "John", "Jørgen", "Kaj", "Knud",
    "Kristian", "Kurt", "Leif", "Niels", "Ole", "Palle", "Per", "Peter", "Poul", "Preben",
    "Steen", "Svend", "Torben", "Verner", "Villy",
)  # fmt: skip
# First names of younger people (staff, younger citizens).
YOUNGER_FEMALE_NAMES = (
    "Anne", "Camilla", "Cecilie", "Ida", "Julie", "Karina", "Line", "Louise", "Maria",
    "Marianne", "Mette", "Pernille", "Rikke", "Sanne", "Signe", "Sofie", "Stine", "Tina",
    "Trine", "Helle",
)  # fmt: skip
YOUNGER_MALE_NAMES = (
    "Anders", "Brian", "Christian", "Frederik", "Henrik", "Jacob", "Jesper", "Kasper", "Lars",
    "Mads", "Martin", "Michael", "Morten", "Nikolaj", "Rasmus", "René", "Simon", "Søren",
    "Thomas", "Jonas",
)  # fmt: skip
FEMALE_MIDDLE_NAMES = ("Marie", "Margrethe", "Kirstine", "Louise", "Elisabeth")
MALE_MIDDLE_NAMES = ("Peder", "Christian", "Aage", "Otto", "Emil")
SURNAMES = (
    "Andersen", "Bak", "Bech", "Bruun", "Christensen", "Christiansen", "Damgaard", "Frandsen",
    "Gade", "Hansen", "Hedegaard", "Holm", "Iversen", "Jensen", "Johansen", "Jørgensen",
    "Kirkegaard", "Kjær", "Kristensen", "Kristiansen", "Larsen", "Lauridsen", "Lund",
    "Madsen", "Mikkelsen", "Mortensen", "Møller", "Nielsen", "Nørgaard", "Olsen", "Pedersen",
    "Petersen", "Poulsen", "Rasmussen", "Skov", "Søgaard", "Sørensen", "Thomsen",
    "Vestergaard", "Østergaard",
)  # fmt: skip

# Street names found in most Danish towns; citizens live on these or their town's own.
COMMON_STREETS = (
    "Ahornvej", "Birkevej", "Bredgade", "Bøgevej", "Egevej", "Elmevej", "Engvej", "Fasanvej",
    "Fyrrevej", "Granvej", "Hedevej", "Kastanievej", "Kirkevej", "Lindevej", "Lærkevej",
    "Mosevej", "Møllevej", "Nørregade", "Parkvej", "Rosenvej", "Skolegade", "Skovvej",
    "Solsikkevej", "Stationsvej", "Søndergade", "Tværgade", "Valmuevej", "Vestergade",
    "Vibevej", "Østergade",
)  # fmt: skip


@dataclass(frozen=True)
class TownInfo:
    postcode: str
    streets: tuple[str, ...]  # streets of this town, besides COMMON_STREETS
    depot_address: str
    opening_hours: str


# Keyed by the town column of vestklyngen.csv.
TOWNS: dict[str, TownInfo] = {
    "Herning": TownInfo(
        "7400",
        ("Gullestrupvej", "Dalgas Allé", "Fredhøjvej", "Holtbjergvej", "Brændgårdvej"),
        "Knudmosevej 38",
        "Man–tors 7.00–15.00, fre 7.00–12.00",
    ),
    "Holstebro": TownInfo(
        "7500",
        ("Nørrebrogade", "Danmarksgade", "Lægårdvej", "Rolighedsvej", "Sønderlandsgade"),
        "Nyholmvej 12",
        "Man–tors 7.00–14.30, fre 7.00–12.00",
    ),
    "Ikast": TownInfo(
        "7430",
        ("Strøget", "Grønnegade", "Bøgildvej", "Vestergårdsvej", "Frisenborgparken"),
        "Bøgildvej 9",
        "Man–fre 7.00–15.00",
    ),
    "Lemvig": TownInfo(
        "7620",
        ("Rådhusvej", "Havnevej", "Ringkøbingvej", "Smedegade", "Vestergade"),
        "Industrivej 14",
        "Man–tors 7.30–15.00, fre 7.30–12.00",
    ),
    "Ringkøbing": TownInfo(
        "6950",
        ("Nørredige", "Holstebrovej", "Kongevejen", "Algade", "Fjordvej"),
        "Vellingvej 26",
        "Man–tors 7.00–15.00, fre 7.00–12.00",
    ),
    "Struer": TownInfo(
        "7600",
        ("Limfjordsvej", "Fjordvej", "Østergade", "Holstebrovej", "Jyllandsgade"),
        "Fabriksvej 7",
        "Man–tors 7.00–15.00, fre 7.00–11.30",
    ),
}
# A town missing above (a changed reference file) still gets an address.
FALLBACK_TOWN = TownInfo("7400", (), "Industrivej 1", "Man–fre 7.00–15.00")

SHARED_DEPOT_NAME = "Fællesdepot Gødstrup"
SHARED_DEPOT_ADDRESS = ("Hospitalsparken 25", "7400", "Herning")
SHARED_DEPOT_HOURS = (
    "Man–fre 7.00–15.30; akut udlevering ved udskrivelse alle dage 15.30–21.00 efter aftale"
)
# The region's fixed share of the shared depot (percent); the municipalities share the rest
# in proportion to their population.
REGION_SHARE_PERCENT = 30


@dataclass(frozen=True)
class SupplierInfo:
    name: str
    email: str
    contract_title: str
    brands: tuple[str, ...]


SUPPLIERS = (
    SupplierInfo(
        "Mobilitet Vest A/S",
        "salg@mobilitetvest.demo.dk",
        "Rammeaftale om ganghjælpemidler og kørestole",
        ("Vestmo", "Gangfri", "Trivo"),
    ),
    SupplierInfo(
        "Nordisk Løft & Pleje A/S",
        "ordre@nordiskloeft.demo.dk",
        "Rammeaftale om personløftere, plejesenge og madrasser",
        ("Nordkraft", "Fjordlift", "Carevia"),
    ),
    SupplierInfo(
        "Jydsk Hygiejne & Siddestøtte ApS",
        "kundeservice@jydskhygiejne.demo.dk",
        "Rammeaftale om toilet- og badehjælpemidler samt siddepuder",
        ("Aquavi", "Sitform", "Hvilo"),
    ),
)

CONTRACT_VALID_FROM = (2026, 1, 1)
CONTRACT_VALID_TO = (2027, 12, 31)
