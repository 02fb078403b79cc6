"""Clarification catalogue: find the rule for a product type and suggest who provides it."""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from depot.catalogue.models import ProductType
from depot.clarification.models import ClarificationRule
from depot.extensions import db

ISO_CODE = re.compile(r"^\d{2}( \d{2}){0,2}$")
# Legal basis of a request made from a need, by the rule's primary purpose.
LEGAL_BASIS_BY_PURPOSE = {
    "treatment": "Sundhedsloven (behandlingsredskab)",
    "training": "Rehabilitering",
    "compensation": "Serviceloven §112",
}


@dataclass(frozen=True)
class Suggestion:
    """Who the catalogue says provides a device, and why. `party` None: it can't say."""

    party: str | None
    reason: str
    rule: ClarificationRule | None = None

    @property
    def purpose(self) -> str:
        return self.rule.purpose if self.rule else "compensation"


def normalise_code(text: str) -> str:
    """'122203', '12-22-03' or ' 12 22 03 ' → '12 22 03' (pairs of digits)."""
    digits = re.sub(r"[\s.\-]", "", text or "")
    return " ".join(digits[i : i + 2] for i in range(0, len(digits), 2))


def find_rule(iso_code: str) -> ClarificationRule | None:
    """The rule with the longest code that prefixes `iso_code` (type, then class, then chapter)."""
    code = normalise_code(iso_code)
    prefixes = [code[: 2 + 3 * n] for n in range(3) if len(code) >= 2 + 3 * n]
    if not prefixes:
        return None
    rules = db.session.scalars(
        select(ClarificationRule).where(ClarificationRule.iso_code.in_(prefixes))
    ).all()
    return max(rules, key=lambda r: len(r.iso_code), default=None)


def suggest_party(*, product_type: ProductType, expected_duration_days: int | None) -> Suggestion:
    """The party the catalogue suggests for a need of this type and expected duration."""
    rule = find_rule(product_type.iso_code)
    if rule is None:
        return Suggestion(
            None,
            str(
                _l(
                    "No rule in the clarification catalogue for ISO %(code)s.",
                    code=product_type.iso_code,
                )
            ),
        )
    threshold = rule.duration_threshold_days
    short_term = bool(threshold and rule.short_term_party)
    if short_term and expected_duration_days is not None and expected_duration_days < threshold:
        return Suggestion(
            rule.short_term_party,
            str(
                _l(
                    "Expected to be needed for %(days)s days, less than the catalogue's "
                    "%(threshold)s days for ISO %(code)s: a temporary need.",
                    days=expected_duration_days,
                    threshold=threshold,
                    code=rule.iso_code,
                )
            ),
            rule,
        )
    if rule.responsible_party == "depends":
        return Suggestion(
            None,
            str(
                _l(
                    "The catalogue says it depends for ISO %(code)s: %(guidance)s",
                    code=rule.iso_code,
                    guidance=rule.guidance or "",
                )
            ).strip(),
            rule,
        )
    if threshold and rule.short_term_party and expected_duration_days is None:
        reason = _l(
            "A lasting need (not expected to end): ISO %(code)s is provided by the %(party)s "
            "from %(threshold)s days.",
            code=rule.iso_code,
            party=party_label(rule.responsible_party),
            threshold=threshold,
        )
    elif threshold and rule.short_term_party:
        reason = _l(
            "Expected to be needed for %(days)s days, at least the catalogue's %(threshold)s "
            "days for ISO %(code)s.",
            days=expected_duration_days,
            threshold=threshold,
            code=rule.iso_code,
        )
    else:
        reason = _l(
            "The catalogue's rule for ISO %(code)s (%(purpose)s).",
            code=rule.iso_code,
            purpose=purpose_label(rule.purpose),
        )
    return Suggestion(rule.responsible_party, str(reason), rule)


PARTY_LABELS = {
    "region": _l("Region"),
    "municipality": _l("Municipality"),
    "depends": _l("Depends"),
}
RULE_PURPOSE_LABELS = {
    "treatment": _l("Treatment"),
    "training": _l("Training"),
    "compensation": _l("Compensation"),
}


def party_label(party: str | None) -> str:
    return str(PARTY_LABELS.get(party, "–")) if party else "–"


def purpose_label(purpose: str) -> str:
    return str(RULE_PURPOSE_LABELS.get(purpose, purpose))
