"""Demo step: the clarification catalogue (afklaringskatalog) of the West cluster.

One rule per ISO 9999 class of the demo catalogue (and a few chapters), after the division
of DESIGN §3 E: treatment aids → the region (sundhedsloven); devices that compensate a
lasting impairment → the municipality (serviceloven §112); training → it depends on the
rehabilitation plan. Wheelchairs, walking aids and crutches needed only for a short while
after a hospital treatment go to the region.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from depot.clarification.models import ClarificationRule
from depot.demo.context import DemoContext
from depot.extensions import db

AST = "Ankestyrelsens principafgørelser om hjælpemidler og behandlingsredskaber https://www.ast.dk/"
RETSINFO = "Serviceloven og sundhedsloven på Retsinformation https://www.retsinformation.dk/"


@dataclass(frozen=True)
class DemoRule:
    iso_code: str
    purpose: str
    responsible_party: str
    guidance: str
    threshold: int | None = None
    short_term_party: str | None = None
    precedents: tuple[str, ...] = ()


DEMO_RULES = (
    DemoRule(
        "04",
        "treatment",
        "region",
        "Behandlingsredskaber – hjælpemidler, der indgår i en sygehusbehandling eller skal sikre "
        "behandlingsresultatet efter udskrivningen (fx iltudstyr og respiratorer) – leveres af "
        "regionen efter sundhedsloven.",
        precedents=(AST,),
    ),
    DemoRule(
        "04 33",
        "compensation",
        "municipality",
        "Puder og madrasser til forebyggelse af tryksår hos en borger med varigt nedsat "
        "funktionsevne bevilger kommunen (serviceloven §112). Skal hjælpemidlet behandle et "
        "eksisterende tryksår, er det et behandlingsredskab: regionen. Skriv det i begrundelsen.",
        precedents=(AST,),
    ),
    DemoRule(
        "04 33 06",
        "compensation",
        "municipality",
        "Trykaflastende madras: kommunen ved varigt behov. Et kortvarigt behov efter en "
        "operation, som led i behandlingen, dækker regionen.",
        threshold=30,
        short_term_party="region",
        precedents=(
            AST,
            "Koordinationsmøde Vestklyngen 02-2026: madras i 3 uger efter operation – regionen",
        ),
    ),
    DemoRule(
        "04 48",
        "training",
        "depends",
        "Træningsredskaber: regionen ved specialiseret genoptræning (genoptræningsplan efter "
        "sundhedsloven §140, specialiseret niveau), kommunen ved almen genoptræning og "
        "vedligeholdelsestræning (serviceloven §86). Se genoptræningsplanen.",
        precedents=(RETSINFO,),
    ),
    DemoRule(
        "05",
        "training",
        "depends",
        "Hjælpemidler til træning af færdigheder: som træningsredskaber – regionen ved "
        "specialiseret genoptræning, ellers kommunen. Afklar med modtagende kommune før "
        "udskrivningen.",
    ),
    DemoRule(
        "09 12",
        "compensation",
        "municipality",
        "Toiletstole, toiletforhøjere og armstøtter: kommunen (serviceloven §112), også når "
        "behovet opstår under indlæggelsen. Oplys mål og brugervægt i overleveringen.",
        precedents=(AST,),
    ),
    DemoRule(
        "09 33",
        "compensation",
        "municipality",
        "Bade- og brusestole: kommunen (serviceloven §112). Kommunens terapeut vurderer "
        "badeværelset ved hjemmebesøg.",
    ),
    DemoRule(
        "12 03",
        "compensation",
        "municipality",
        "Stokke og albuestokke: ved et midlertidigt behov efter et brud eller en operation "
        "udleverer sygehuset dem som behandlingsredskab; ved varigt behov kommunen.",
        threshold=90,
        short_term_party="region",
    ),
    DemoRule(
        "12 06",
        "compensation",
        "municipality",
        "Gangstativer, rollatorer og gangborde: kommunen ved varigt nedsat funktionsevne. "
        "Forventes behovet at vare under 90 dage og er det en del af behandlingen, leverer "
        "regionen.",
        threshold=90,
        short_term_party="region",
        precedents=(AST,),
    ),
    DemoRule(
        "12 22",
        "compensation",
        "municipality",
        "Manuelle kørestole: kommunen ved varigt behov (serviceloven §112). En kørestol til "
        "et ikke-varigt behov i nogle uger efter en operation er et behandlingsredskab: "
        "regionen.",
        threshold=180,
        short_term_party="region",
        precedents=(
            AST,
            "Koordinationsmøde Vestklyngen 03-2026: kørestol i 6 uger efter amputation – regionen",
        ),
    ),
    DemoRule(
        "12 23",
        "compensation",
        "municipality",
        "Elektriske kørestole bevilges ved varigt behov af kommunen efter individuel "
        "afprøvning; regionen udlåner ikke elkørestole til kortvarige behov.",
    ),
    DemoRule(
        "12 36",
        "compensation",
        "municipality",
        "Personløftere, stålifte og løftesejl: kommunen, også ved udskrivning. Loftlifte "
        "kræver boligindretning (serviceloven §116) – aftal en midlertidig mobil løfter, til "
        "loftliften er sat op.",
        precedents=(AST, RETSINFO),
    ),
    DemoRule(
        "18 12",
        "compensation",
        "municipality",
        "Plejesenge: kommunen (serviceloven §112), også ved midlertidigt behov efter "
        "udskrivning. Kan sengen ikke leveres til udskrivningen, registrér forsinkelsen.",
        precedents=(AST,),
    ),
)


def seed_clarification_rules(ctx: DemoContext | None = None) -> list[ClarificationRule]:
    """Add the demo rules whose codes have no rule yet; flushes, never commits."""
    taken = set(db.session.scalars(select(ClarificationRule.iso_code)))
    created = []
    for spec in DEMO_RULES:
        if spec.iso_code in taken:
            continue
        rule = ClarificationRule(
            iso_code=spec.iso_code,
            purpose=spec.purpose,
            responsible_party=spec.responsible_party,
            duration_threshold_days=spec.threshold,
            short_term_party=spec.short_term_party,
            guidance=spec.guidance,
            precedents="\n".join(spec.precedents) or None,
        )
        db.session.add(rule)
        created.append(rule)
    db.session.flush()
    if ctx is not None:
        ctx.written["clarification rules"] = len(created)
    return created
