"""Read-only queries behind the deviation case pages."""

from __future__ import annotations

from sqlalchemy import Select, case, select
from sqlalchemy.orm import joinedload

from depot.catalogue.models import ProductType
from depot.deviations.models import DeviationCase
from depot.deviations.quarters import Quarter
from depot.deviations.stats import UNASSESSED
from depot.extensions import db
from depot.organisations.models import Organisation

# The list's order: the cases the meetings still have to deal with first.
STATUS_ORDER = case(
    (DeviationCase.status == "open", 0), (DeviationCase.status == "discussed", 1), else_=2
)


def case_list_query(
    *,
    status: str | None = None,
    municipality_id: int | None = None,
    quarter: Quarter | None = None,
    cause: str | None = None,
) -> Select:
    """Cases of all organisations: open, then discussed, then concluded; newest first."""
    stmt = select(DeviationCase).options(
        joinedload(DeviationCase.municipality), joinedload(DeviationCase.product_type)
    )
    if status:
        stmt = stmt.where(DeviationCase.status == status)
    if municipality_id is not None:
        stmt = stmt.where(DeviationCase.municipality_id == municipality_id)
    if quarter is not None:
        start, end = quarter.window()
        stmt = stmt.where(DeviationCase.opened_at >= start, DeviationCase.opened_at < end)
    if cause == UNASSESSED:
        stmt = stmt.where(DeviationCase.cause.is_(None))
    elif cause:
        stmt = stmt.where(DeviationCase.cause == cause)
    return stmt.order_by(STATUS_ORDER, DeviationCase.opened_at.desc(), DeviationCase.id.desc())


def municipalities() -> list[Organisation]:
    """Active municipalities by name."""
    return list(
        db.session.scalars(
            select(Organisation)
            .where(Organisation.kind == "municipality", Organisation.active)
            .order_by(Organisation.name, Organisation.id)
        )
    )


def product_types() -> list[ProductType]:
    """Every product type, by ISO code."""
    return list(
        db.session.scalars(select(ProductType).order_by(ProductType.iso_code, ProductType.id))
    )
