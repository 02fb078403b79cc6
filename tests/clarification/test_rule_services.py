"""The catalogue's rules: longest-prefix lookup, suggestions, checked values, coverage, links."""

import pytest

from depot.catalogue.models import ProductType
from depot.catalogue.validation import Duplicate, Invalid
from depot.clarification import rules
from depot.clarification.models import ClarificationRule
from depot.clarification.services import find_rule, suggest_party
from depot.extensions import db


def _rule(**values) -> ClarificationRule:
    base = {"purpose": "compensation", "responsible_party": "municipality"}
    return rules.create_rule(user=None, **(base | values))


# --- find_rule and suggest_party ------------------------------------------------------------


def test_find_rule_takes_the_longest_prefix(app_ctx):
    chapter = _rule(iso_code="12", responsible_party="region", purpose="treatment")
    klass = _rule(iso_code="12 22")
    exact = _rule(iso_code="12 22 03", responsible_party="depends")
    assert find_rule("12 22 03") == exact
    assert find_rule("122203") == exact
    assert find_rule("12 22 06") == klass
    assert find_rule("12 36 03") == chapter
    assert find_rule("09 12 03") is None
    assert find_rule("") is None


def _type(code: str) -> ProductType:
    pt = ProductType(iso_code=code, iso_edition=2016, title_da="T", title_en="T")
    db.session.add(pt)
    db.session.flush()
    return pt


@pytest.mark.parametrize(
    ("days", "party"),
    [
        (1, "region"),
        (179, "region"),
        (180, "municipality"),
        (365, "municipality"),
        (None, "municipality"),
    ],
)
def test_suggestion_follows_the_threshold(app_ctx, days, party):
    _rule(iso_code="12 22", duration_threshold_days=180, short_term_party="region")
    suggestion = suggest_party(product_type=_type("12 22 03"), expected_duration_days=days)
    assert suggestion.party == party
    assert suggestion.rule.iso_code == "12 22"
    assert suggestion.reason


def test_suggestion_depends_and_no_rule(app_ctx):
    _rule(iso_code="04 48", responsible_party="depends", purpose="training", guidance="Se planen")
    depends = suggest_party(product_type=_type("04 48 06"), expected_duration_days=30)
    assert depends.party is None and "Se planen" in depends.reason
    assert depends.rule.iso_code == "04 48"
    none = suggest_party(product_type=_type("09 12 03"), expected_duration_days=30)
    assert none.party is None and none.rule is None and "09 12 03" in none.reason


def test_depends_with_a_short_term_party_gives_it_for_short_needs(app_ctx):
    _rule(
        iso_code="05",
        responsible_party="depends",
        purpose="training",
        duration_threshold_days=30,
        short_term_party="region",
    )
    skills = _type("05 03 06")
    assert suggest_party(product_type=skills, expected_duration_days=10).party == "region"
    assert suggest_party(product_type=skills, expected_duration_days=40).party is None


# --- checked values ---------------------------------------------------------------------------


GOOD = {"iso_code": "12 22", "purpose": "compensation", "responsible_party": "municipality"}


@pytest.mark.parametrize(
    ("raw", "code"),
    [("12", "12"), ("1222", "12 22"), ("12.22.03", "12 22 03"), (" 12-22-03 ", "12 22 03")],
)
def test_codes_are_normalised(app_ctx, raw, code):
    assert rules.clean_rule(**GOOD | {"iso_code": raw})["iso_code"] == code


@pytest.mark.parametrize(
    "raw",
    ["", "1", "123", "12 22 03 04", "ab", "12 2a", "١٢", "12\x0022", "1" * 30, None, 12],
)
def test_bad_codes_are_refused(app_ctx, raw):
    with pytest.raises(Invalid) as refused:
        rules.clean_rule(**GOOD | {"iso_code": raw})
    assert refused.value.field == "iso_code"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"purpose": "fun"}, "purpose"),
        ({"purpose": ""}, "purpose"),
        ({"responsible_party": "state"}, "responsible_party"),
        ({"duration_threshold_days": 0}, "duration_threshold_days"),
        ({"duration_threshold_days": 3651}, "duration_threshold_days"),
        ({"duration_threshold_days": "ten"}, "duration_threshold_days"),
        ({"duration_threshold_days": True}, "duration_threshold_days"),
        ({"duration_threshold_days": 90}, "short_term_party"),
        ({"short_term_party": "region"}, "duration_threshold_days"),
        ({"duration_threshold_days": 90, "short_term_party": "municipality"}, "short_term_party"),
        ({"duration_threshold_days": 90, "short_term_party": "depends"}, "short_term_party"),
        ({"guidance": "x" * 4001}, "guidance"),
        ({"guidance": "a\x00b"}, "guidance"),
        ({"precedents": "x" * 501}, "precedents"),
        ({"precedents": "\n".join(["a"] * 31)}, "precedents"),
        ({"precedents": "a | b"}, "precedents"),
    ],
)
def test_bad_values_are_refused_on_their_field(app_ctx, change, field):
    with pytest.raises(Invalid) as refused:
        rules.clean_rule(**GOOD | change)
    assert refused.value.field == field


def test_values_are_tidied(app_ctx):
    clean = rules.clean_rule(
        **GOOD
        | {
            "purpose": " Compensation ",
            "duration_threshold_days": "90",
            "short_term_party": "region",
            "guidance": "  line one\r\nline two  ",
            "precedents": "\n  https://www.ast.dk/  \n\n  Møde 2026 \n",
        }
    )
    assert clean["purpose"] == "compensation"
    assert clean["duration_threshold_days"] == 90
    assert clean["guidance"] == "line one\nline two"
    assert clean["precedents"] == "https://www.ast.dk/\nMøde 2026"
    assert rules.clean_rule(**GOOD | {"guidance": "  ", "precedents": ""})["guidance"] is None


def test_codes_are_unique(app_ctx, make):
    _rule(iso_code="12 22")
    with pytest.raises(Duplicate) as refused:
        _rule(iso_code="1222")
    assert refused.value.field == "iso_code" and refused.value.status_code == 409
    other = _rule(iso_code="12 23")
    with pytest.raises(Duplicate):
        rules.update_rule(rule=other, user=None, **GOOD)


def test_update_reports_changes_and_records_the_user(app_ctx, make, region):
    user = make.user(organisation=region, role="coordinator")
    rule = _rule(iso_code="12 22")
    assert rule.updated_by_id is None
    assert not rules.update_rule(rule=rule, user=user, **GOOD)
    assert rule.updated_by_id is None
    assert rules.update_rule(rule=rule, user=user, **GOOD | {"guidance": "Ny"})
    assert rule.updated_by_id == user.id and rule.guidance == "Ny"
    rules.delete_rule(rule=rule)
    assert db.session.get(ClarificationRule, rule.id) is None


# --- what the page shows ----------------------------------------------------------------------


def test_coverage_matches_types_to_their_most_specific_rule(app_ctx):
    chapter = _rule(iso_code="12")
    klass = _rule(iso_code="12 22")
    unused = _rule(iso_code="05", purpose="training", responsible_party="depends")
    chair, walker, toilet = _type("12 22 03"), _type("12 06 06"), _type("09 12 03")
    old_chair = ProductType(iso_code="12 22 03", iso_edition=2011, title_da="Gl", title_en="Old")
    db.session.add(old_chair)
    db.session.flush()
    types = rules.catalogue_types()
    assert old_chair not in types and chair in types  # the newest edition per code
    covered = rules.coverage(rules.all_rules(), types)
    assert covered.types[klass.id] == [chair]
    assert covered.types[chapter.id] == [walker]
    assert covered.types[unused.id] == []
    assert covered.overridden == {chapter.id: 1}
    assert covered.uncovered == [toilet]


def test_filter_by_code_text_party_and_purpose(app_ctx):
    chapter = _rule(iso_code="12", responsible_party="region", purpose="treatment")
    klass = _rule(
        iso_code="12 22",
        guidance="Kørestol efter operation",
        duration_threshold_days=90,
        short_term_party="region",
    )
    other = _rule(iso_code="09 12")
    toilet = _type("09 12 03")
    toilet.title_da = "Toiletstole"
    all_rules = rules.all_rules()
    covered = rules.coverage(all_rules, rules.catalogue_types())

    def shown(**kw):
        return [r.iso_code for r in rules.filter_rules(all_rules, covered, **kw)]

    assert shown() == ["09 12", "12", "12 22"]
    assert shown(search="122203") == ["12", "12 22"]  # the rules that apply to the code
    assert shown(search="09") == ["09 12"]  # codes that start with it
    assert shown(search="12 23 06") == ["12"]
    assert shown(search="KØRESTOL") == ["12 22"]
    assert shown(search="toiletstole") == ["09 12"]  # a covered type's title
    assert shown(search="%") == []
    assert shown(party="region") == ["12", "12 22"]  # responsible or short-term
    assert shown(purpose="treatment") == ["12"]
    assert {chapter.id, klass.id, other.id}


@pytest.mark.parametrize(
    ("line", "text", "url"),
    [
        ("https://www.ast.dk/", "https://www.ast.dk/", "https://www.ast.dk/"),
        (
            "Principafgørelse 12-34: https://www.ast.dk/a?b=1",
            "Principafgørelse 12-34",
            "https://www.ast.dk/a?b=1",
        ),
        ("HTTP://EXAMPLE.DK/x", "HTTP://EXAMPLE.DK/x", "HTTP://EXAMPLE.DK/x"),
        ("javascript:alert(1)", "javascript:alert(1)", None),
        ("Se javascript:alert(1)", "Se javascript:alert(1)", None),
        ("JaVaScRiPt:alert(document.cookie)", "JaVaScRiPt:alert(document.cookie)", None),
        (
            "data:text/html,<script>alert(1)</script>",
            "data:text/html,<script>alert(1)</script>",
            None,
        ),
        ('https://x.dk/"onmouseover=alert(1)', 'https://x.dk/"onmouseover=alert(1)', None),
        ("https://", "https://", None),
        ("ftp://files.dk/a", "ftp://files.dk/a", None),
        ("//evil.dk/a", "//evil.dk/a", None),
        ("Møde i koordinationsgruppen", "Møde i koordinationsgruppen", None),
    ],
)
def test_only_http_addresses_become_links(line, text, url):
    rule = ClarificationRule(iso_code="12", precedents=line)
    (item,) = rules.precedent_items(rule)
    assert (item.text, item.url) == (text, url)
