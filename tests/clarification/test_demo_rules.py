"""The demo's clarification catalogue covers every demo product type, with sensible parties."""

import pytest
from sqlalchemy import select

from depot.catalogue.models import ProductType
from depot.clarification import rules
from depot.clarification.services import find_rule, suggest_party
from depot.demo import steps_catalogue
from depot.demo.context import DemoContext
from depot.demo.reference import load_reference
from depot.demo.steps_clarification import DEMO_RULES, seed_clarification_rules
from depot.extensions import db


@pytest.fixture
def demo_types(app_ctx):
    ctx = DemoContext(seed=7, scale=1.0, password_hash="x", reference=load_reference())
    steps_catalogue.create_product_types(ctx)
    created = seed_clarification_rules(ctx)
    assert len(created) == len(DEMO_RULES) == ctx.written["clarification rules"]
    return {pt.iso_code: pt for pt in db.session.scalars(select(ProductType))}


def test_every_demo_product_type_has_a_rule(demo_types):
    assert demo_types
    missing = [code for code in demo_types if find_rule(code) is None]
    assert not missing
    covered = rules.coverage(rules.all_rules(), rules.catalogue_types())
    assert covered.uncovered == []


def test_the_demo_rules_pass_the_catalogue_checks(app_ctx):
    for spec in DEMO_RULES:
        rules.clean_rule(
            iso_code=spec.iso_code,
            purpose=spec.purpose,
            responsible_party=spec.responsible_party,
            duration_threshold_days=spec.threshold,
            short_term_party=spec.short_term_party,
            guidance=spec.guidance,
            precedents="\n".join(spec.precedents),
        )


@pytest.mark.parametrize(
    ("code", "days", "party"),
    [
        ("12 36 03", None, "municipality"),  # hoists
        ("12 36 21", 14, "municipality"),  # slings, even for a short need
        ("18 12 10", 30, "municipality"),  # care beds
        ("04 33 03", None, "municipality"),  # pressure-relief cushion, prevention
        ("04 33 06", 21, "region"),  # a mattress for three weeks after an operation
        ("04 33 06", None, "municipality"),
        ("12 22 03", 42, "region"),  # a wheelchair for six weeks after surgery
        ("12 22 03", None, "municipality"),
        ("12 22 03", 365, "municipality"),
        ("12 06 06", 30, "region"),  # rollator
        ("12 06 06", 120, "municipality"),
        ("12 03 06", 42, "region"),  # elbow crutches after a fracture
        ("09 12 03", 14, "municipality"),  # commode
        ("09 33 03", None, "municipality"),
        ("12 23 06", None, "municipality"),
    ],
)
def test_demo_suggestions(demo_types, code, days, party):
    suggestion = suggest_party(product_type=demo_types[code], expected_duration_days=days)
    assert suggestion.party == party, suggestion.reason


def test_training_depends_and_seeding_twice_adds_nothing(demo_types):
    assert find_rule("04 48 06").responsible_party == "depends"
    assert find_rule("04 03 12").responsible_party == "region"  # a treatment aid
    assert seed_clarification_rules() == []
