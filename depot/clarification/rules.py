"""Editing the clarification catalogue: checked rule values, create/update/delete, and what
the catalogue page shows (which product types each rule covers, precedents as safe links).

Refusals raise `Invalid` (400) or `Duplicate` (409) naming the form field they concern.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from depot.auth.models import User
from depot.catalogue.models import ProductType
from depot.catalogue.validation import Duplicate, Invalid
from depot.clarification.models import PARTIES, RULE_PARTIES, RULE_PURPOSES, ClarificationRule
from depot.clarification.services import normalise_code
from depot.extensions import db

# "12", "12 22" or "12 22 03" in ASCII digits (services.ISO_CODE also takes other digits).
CODE_RE = re.compile(r"\d{2}( \d{2}){0,2}", re.ASCII)
CODE_INPUT_MAX = 20  # characters typed, before normalising
THRESHOLD_MIN, THRESHOLD_MAX = 1, 3650
GUIDANCE_MAX = 4000
PRECEDENT_MAX = 500  # characters per precedent
PRECEDENTS_MAX = 30  # precedents per rule
# Joins the precedents in one CSV cell; a precedent itself can't contain "|".
PRECEDENT_JOINER = " | "
# The values of a rule, in the order of the CSV file.
RULE_FIELDS = (
    "iso_code",
    "purpose",
    "responsible_party",
    "duration_threshold_days",
    "short_term_party",
    "guidance",
    "precedents",
)


# --- checking -------------------------------------------------------------------------------


def clean_code(value) -> str:
    """An ISO 9999 code or class as stored: '122203', '12.22.03' → '12 22 03'."""
    text = value if isinstance(value, str) else ""
    if len(text) > CODE_INPUT_MAX or "\x00" in text:
        text = ""
    code = normalise_code(text)
    if not CODE_RE.fullmatch(code):
        raise Invalid(
            _l("Write the ISO 9999 code as one to three pairs of digits: 12, 12 22 or 12 22 03."),
            "iso_code",
        )
    return code


def _choice(value, allowed: tuple[str, ...], *, field: str, required: bool = True) -> str | None:
    text = value.strip().lower() if isinstance(value, str) else value
    if text in (None, ""):
        if required:
            raise Invalid(_l("This field is required."), field)
        return None
    if text not in allowed:
        raise Invalid(_l("Choose one of: %(values)s.", values=", ".join(allowed)), field)
    return text


def _threshold(value) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, str):
        text = value.strip()
        value = int(text) if text.isascii() and text.isdigit() and len(text) <= 6 else None
    if isinstance(value, bool) or not isinstance(value, int):
        raise Invalid(_l("Enter a whole number of days."), "duration_threshold_days")
    if not THRESHOLD_MIN <= value <= THRESHOLD_MAX:
        raise Invalid(
            _l(
                "Enter a number of days from %(low)d to %(high)d.",
                low=THRESHOLD_MIN,
                high=THRESHOLD_MAX,
            ),
            "duration_threshold_days",
        )
    return value


def _text(value, *, field: str, max_len: int) -> str | None:
    text = value if isinstance(value, str) else ""
    if "\x00" in text:
        raise Invalid(_l("The text contains characters that are not allowed."), field)
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    if len(text) > max_len:
        raise Invalid(_l("At most %(n)d characters.", n=max_len), field)
    return text or None


def split_precedents(value) -> list[str]:
    """Precedents typed one per line or joined by '|' (a CSV cell), blanks dropped."""
    text = value if isinstance(value, str) else ""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").replace("|", "\n")
    return [line.strip() for line in lines.split("\n") if line.strip()]


def _precedents(value) -> str | None:
    text = value if isinstance(value, str) else ""
    if "\x00" in text:
        raise Invalid(_l("The text contains characters that are not allowed."), "precedents")
    lines = [line.strip() for line in text.replace("\r\n", "\n").split("\n") if line.strip()]
    if len(lines) > PRECEDENTS_MAX:
        raise Invalid(_l("At most %(n)d precedents.", n=PRECEDENTS_MAX), "precedents")
    for line in lines:
        if len(line) > PRECEDENT_MAX:
            raise Invalid(
                _l("A precedent can have at most %(n)d characters.", n=PRECEDENT_MAX),
                "precedents",
            )
        if "|" in line:
            raise Invalid(_l("Put each precedent on a line of its own, without “|”."), "precedents")
    return "\n".join(lines) or None


def clean_rule(
    *,
    iso_code,
    purpose,
    responsible_party,
    duration_threshold_days=None,
    short_term_party=None,
    guidance=None,
    precedents=None,
) -> dict:
    """The values of a rule, checked and normalised (uniqueness is checked on saving)."""
    values = {
        "iso_code": clean_code(iso_code),
        "purpose": _choice(purpose, RULE_PURPOSES, field="purpose"),
        "responsible_party": _choice(responsible_party, RULE_PARTIES, field="responsible_party"),
        "duration_threshold_days": _threshold(duration_threshold_days),
        "short_term_party": _choice(
            short_term_party, PARTIES, field="short_term_party", required=False
        ),
        "guidance": _text(guidance, field="guidance", max_len=GUIDANCE_MAX),
        "precedents": _precedents(precedents),
    }
    threshold, short_term = values["duration_threshold_days"], values["short_term_party"]
    if threshold is not None and short_term is None:
        raise Invalid(
            _l("Choose who provides for needs shorter than the threshold."), "short_term_party"
        )
    if short_term is not None and threshold is None:
        raise Invalid(
            _l("Give the threshold in days, or leave the short-term party empty."),
            "duration_threshold_days",
        )
    if short_term is not None and short_term == values["responsible_party"]:
        raise Invalid(
            _l("The short-term party must differ from the responsible party."), "short_term_party"
        )
    return values


def _check_unique(code: str, exclude_id: int | None) -> None:
    clash = db.session.scalar(
        select(ClarificationRule.id).where(
            ClarificationRule.iso_code == code, ClarificationRule.id != (exclude_id or 0)
        )
    )
    if clash is not None:
        raise Duplicate(_l("A rule for ISO %(code)s exists already.", code=code), "iso_code")


# --- changing -------------------------------------------------------------------------------


def rule_values(rule: ClarificationRule) -> dict:
    """The stored values of a rule, as `clean_rule` returns them."""
    return {name: getattr(rule, name) for name in RULE_FIELDS}


def create_rule(*, user: User | None, **values) -> ClarificationRule:
    """Add a rule for an ISO code that has none yet."""
    clean = clean_rule(**values)
    _check_unique(clean["iso_code"], None)
    rule = ClarificationRule(updated_by_id=user.id if user else None, **clean)
    db.session.add(rule)
    db.session.flush()
    return rule


def update_rule(*, rule: ClarificationRule, user: User | None, **values) -> bool:
    """Change a rule; returns whether anything changed (unchanged rules keep their stamp)."""
    clean = clean_rule(**values)
    _check_unique(clean["iso_code"], rule.id)
    if clean == rule_values(rule):
        return False
    for name, value in clean.items():
        setattr(rule, name, value)
    rule.updated_by_id = user.id if user else None
    db.session.flush()
    return True


def delete_rule(*, rule: ClarificationRule) -> None:
    """Remove a rule (nothing refers to rules: handovers keep the suggested party itself)."""
    db.session.delete(rule)
    db.session.flush()


# --- reading --------------------------------------------------------------------------------


def all_rules() -> Sequence[ClarificationRule]:
    """Every rule, ordered by ISO code."""
    return db.session.scalars(select(ClarificationRule).order_by(ClarificationRule.iso_code)).all()


def catalogue_types() -> list[ProductType]:
    """One product type per ISO code (the newest edition), ordered by code."""
    newest: dict[str, ProductType] = {}
    for pt in db.session.scalars(select(ProductType).order_by(ProductType.iso_code)):
        if pt.iso_code not in newest or newest[pt.iso_code].iso_edition < pt.iso_edition:
            newest[pt.iso_code] = pt
    return list(newest.values())


def _prefixes(code: str) -> list[str]:
    """'12 22 03' → ['12 22 03', '12 22', '12']: longest first."""
    return [code[: 2 + 3 * n] for n in (2, 1, 0) if len(code) >= 2 + 3 * n]


@dataclass
class Coverage:
    """Which product types each rule decides for, and which types no rule covers."""

    types: dict[int, list[ProductType]] = field(default_factory=dict)  # rule id → types
    # Types a rule's code prefixes but a more specific rule decides for, per rule id.
    overridden: dict[int, int] = field(default_factory=dict)
    uncovered: list[ProductType] = field(default_factory=list)


def coverage(rules: Iterable[ClarificationRule], types: Iterable[ProductType]) -> Coverage:
    """Match the product types to the rules by longest prefix, like `find_rule`."""
    by_code = {rule.iso_code: rule for rule in rules}
    result = Coverage(types={rule.id: [] for rule in by_code.values()})
    for pt in types:
        matching = [by_code[p] for p in _prefixes(pt.iso_code) if p in by_code]
        if not matching:
            result.uncovered.append(pt)
            continue
        result.types[matching[0].id].append(pt)
        for rule in matching[1:]:
            result.overridden[rule.id] = result.overridden.get(rule.id, 0) + 1
    return result


def filter_rules(
    rules: Iterable[ClarificationRule],
    covered: Coverage,
    *,
    search: str | None = None,
    party: str | None = None,
    purpose: str | None = None,
) -> list[ClarificationRule]:
    """The rules that match the search (a code, or text in the rule or its types' titles)."""
    chosen = [
        r
        for r in rules
        if (not party or party in (r.responsible_party, r.short_term_party))
        and (not purpose or r.purpose == purpose)
    ]
    term = (search or "").strip()
    if not term:
        return chosen
    if re.fullmatch(r"[0-9 .\-]+", term):
        code = normalise_code(term)
        applies = set(_prefixes(code))
        return [r for r in chosen if r.iso_code.startswith(code) or r.iso_code in applies]
    needle = term.casefold()

    def matches(rule: ClarificationRule) -> bool:
        texts = [rule.iso_code, rule.guidance or "", rule.precedents or ""]
        texts += [f"{pt.title_da} {pt.title_en}" for pt in covered.types.get(rule.id, ())]
        return any(needle in text.casefold() for text in texts)

    return [r for r in chosen if matches(r)]


def users_by_id(ids: Iterable[int | None]) -> dict[int, User]:
    """The users who last changed rules, by id."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(wanted)))}


@dataclass(frozen=True)
class Precedent:
    """A precedent as shown: its text, and a web address if it has a safe one."""

    text: str
    url: str | None = None


def web_url(text: str) -> str | None:
    """The text if it is a plain http(s) address; anything else (javascript:, data:) is None."""
    if not text.lower().startswith(("http://", "https://")):
        return None
    if any(ch.isspace() or ord(ch) < 32 or ch in "<>\"'`\\" for ch in text):
        return None
    host = text.split("://", 1)[1].split("/", 1)[0]
    return text if host and not host.startswith(("@", ":")) else None


def precedent_items(rule: ClarificationRule) -> list[Precedent]:
    """The precedents of a rule; a line ending in an http(s) address links there."""
    items = []
    for line in rule.precedent_list:
        label, _sep, last = line.rpartition(" ")
        url = web_url(last)
        items.append(Precedent(label.strip(" :–-") or last, url) if url else Precedent(line))
    return items
