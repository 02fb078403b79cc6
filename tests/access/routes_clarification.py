"""Routes of the clarification catalogue: every role reads, coordinators and admins edit.

The rules are shared by the whole cluster (no tenant): the other municipality and the region
get what Herning gets. Each delete gets a rule of its own, so the matrix runs in any order.
"""

import itertools

from tests.access.route import ALL, Route, only

EDITORS = ("coordinator", "admin")
_codes = (f"{a:02d} {b:02d}" for a, b in itertools.product(range(10, 100), range(100)))


def extend_world(world: dict, make) -> None:
    make.product_type(iso_code="12 22 03", title_da="Kørestol (clarification)")

    def new_rule() -> int:
        return make.rule(iso_code=next(_codes)).id

    world["clarification_rule"] = make.rule(iso_code="12 22", guidance="Matrix").id
    world["clarification_new_rule"] = new_rule


ROUTES = {
    "clarification.rules": Route(url=lambda w: "/clarification/?type=1&days=30&q=12"),
    "clarification.export": Route(url=lambda w: "/clarification/export.csv", roles=ALL),
    # POST with an empty form: the form again with its errors (200).
    "clarification.new": only(*EDITORS, url=lambda w: "/clarification/new", post=True),
    "clarification.edit": only(
        *EDITORS, url=lambda w: f"/clarification/{w['clarification_rule']}/edit", post=True
    ),
    "clarification.delete": only(
        *EDITORS,
        url=lambda w: f"/clarification/{w['clarification_new_rule']()}/delete",
        post=True,
        get=False,
    ),
    "clarification.import_rules": only(*EDITORS, url=lambda w: "/clarification/import", post=True),
}
