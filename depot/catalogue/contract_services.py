"""Contract services: framework contracts, their lines and all-units price breaks.

Like the other catalogue services they check, change the session and flush; never commit.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, select
from sqlalchemy.orm import joinedload, selectinload

from depot.catalogue.models import Contract, ContractLine, PriceBreak, Product, Supplier
from depot.catalogue.services import contains
from depot.catalogue.validation import (
    EDITION_MAX,
    EDITION_MIN,
    LEAD_TIME_MAX_DAYS,
    PACK_SIZE_MAX,
    QUANTITY_MAX,
    Duplicate,
    Invalid,
    clean_int,
    clean_money,
    clean_text,
    require_row,
)
from depot.extensions import db

# --- contracts ------------------------------------------------------------------------------


def contract_query(
    *, search: str | None = None, supplier_id: int | None = None, valid_on: date | None = None
) -> Select:
    """Contracts matching the filters, newest first, with their suppliers loaded."""
    stmt = select(Contract).options(joinedload(Contract.supplier))
    if search:
        stmt = stmt.where(contains(search, Contract.reference, Contract.title))
    if supplier_id is not None:
        stmt = stmt.where(Contract.supplier_id == supplier_id)
    if valid_on is not None:
        stmt = stmt.where(Contract.valid_from <= valid_on, Contract.valid_to >= valid_on)
    return stmt.order_by(Contract.valid_from.desc(), Contract.reference, Contract.id)


def contract_detail_options() -> list:
    """Loader options for a contract page: supplier, lines, their products and breaks."""
    lines = selectinload(Contract.lines)
    return [
        joinedload(Contract.supplier),
        lines.joinedload(ContractLine.product),
        lines.selectinload(ContractLine.price_breaks),
    ]


def _check_contract(
    *, reference, title, supplier_id, valid_from, valid_to, notes, exclude_id=None
) -> dict:
    values = {
        "reference": clean_text(reference, max_len=40, field="reference"),
        "title": clean_text(title, max_len=200, field="title"),
        "notes": clean_text(notes, max_len=5000, field="notes", required=False),
    }
    require_row(Supplier, supplier_id, field="supplier_id", message=_l("Choose a supplier."))
    for key, day in (("valid_from", valid_from), ("valid_to", valid_to)):
        if not isinstance(day, date) or not EDITION_MIN <= day.year <= EDITION_MAX:
            raise Invalid(_l("Enter a date between 1990 and 2100."), key)
    if valid_to < valid_from:
        raise Invalid(_l("The contract must end on or after the day it starts."), "valid_to")
    clash = db.session.scalar(
        select(Contract.id).where(
            func.lower(Contract.reference) == values["reference"].lower(),
            Contract.id != (exclude_id or 0),
        )
    )
    if clash is not None:
        raise Duplicate(_l("A contract with this reference exists already."), "reference")
    values.update(supplier_id=supplier_id, valid_from=valid_from, valid_to=valid_to)
    return values


def create_contract(
    *,
    reference: str,
    title: str,
    supplier_id: int,
    valid_from: date,
    valid_to: date,
    notes: str | None = None,
) -> Contract:
    """Create a framework contract; the reference must be unique."""
    values = _check_contract(
        reference=reference,
        title=title,
        supplier_id=supplier_id,
        valid_from=valid_from,
        valid_to=valid_to,
        notes=notes,
    )
    contract = Contract(**values)
    db.session.add(contract)
    db.session.flush()
    return contract


def update_contract(
    *,
    contract: Contract,
    reference: str,
    title: str,
    supplier_id: int,
    valid_from: date,
    valid_to: date,
    notes: str | None,
) -> Contract:
    """Change a contract's reference, title, supplier, validity and notes."""
    values = _check_contract(
        reference=reference,
        title=title,
        supplier_id=supplier_id,
        valid_from=valid_from,
        valid_to=valid_to,
        notes=notes,
        exclude_id=contract.id,
    )
    for key, value in values.items():
        setattr(contract, key, value)
    db.session.flush()
    return contract


def clean_price_breaks(*, breaks: Iterable[tuple[int, Decimal]]) -> list[tuple[int, Decimal]]:
    """Check all-units price breaks: at least one, quantities from 1 and strictly rising."""
    cleaned: list[tuple[int, Decimal]] = []
    for min_qty, unit_price in breaks:
        if isinstance(min_qty, bool) or not isinstance(min_qty, int) or min_qty < 1:
            raise Invalid(_l("A price break starts at 1 unit or more."), "breaks")
        if min_qty > QUANTITY_MAX:
            raise Invalid(_l("A price break's quantity is too large."), "breaks")
        if cleaned and min_qty <= cleaned[-1][0]:
            raise Invalid(
                _l(
                    "The quantities of the price breaks must rise from row to row "
                    "(%(a)d is not more than %(b)d).",
                    a=min_qty,
                    b=cleaned[-1][0],
                ),
                "breaks",
            )
        cleaned.append((min_qty, clean_money(unit_price, field="breaks")))
    if not cleaned:
        raise Invalid(_l("Enter at least one price break."), "breaks")
    return cleaned


def _check_line(
    *, contract, product_id, pack_size, moq, lead_time_days, breaks, exclude_id=None
) -> dict:
    require_row(Product, product_id, field="product_id", message=_l("Choose a product."))
    values = {
        "product_id": product_id,
        "pack_size": clean_int(pack_size, low=1, high=PACK_SIZE_MAX, field="pack_size"),
        "moq": clean_int(moq, low=0, high=QUANTITY_MAX, field="moq"),
        "lead_time_days": clean_int(
            lead_time_days, low=0, high=LEAD_TIME_MAX_DAYS, field="lead_time_days"
        ),
        "breaks": clean_price_breaks(breaks=breaks),
    }
    clash = db.session.scalar(
        select(ContractLine.id).where(
            ContractLine.contract_id == contract.id,
            ContractLine.product_id == product_id,
            ContractLine.id != (exclude_id or 0),
        )
    )
    if clash is not None:
        raise Duplicate(
            _l("The contract offers this product already: edit its line."), "product_id"
        )
    return values


def _set_breaks(line: ContractLine, breaks: list[tuple[int, Decimal]]) -> None:
    by_qty = {br.min_qty: br for br in line.price_breaks}
    wanted = dict(breaks)
    for min_qty, br in by_qty.items():
        if min_qty not in wanted:
            line.price_breaks.remove(br)
    # Deletions first, so that a re-added quantity never clashes with UNIQUE(line, min_qty).
    db.session.flush()
    for min_qty, unit_price in breaks:
        if min_qty in by_qty:
            by_qty[min_qty].unit_price = unit_price
        else:
            line.price_breaks.append(PriceBreak(min_qty=min_qty, unit_price=unit_price))
    line.price_breaks.sort(key=lambda br: br.min_qty)


def add_contract_line(
    *,
    contract: Contract,
    product_id: int,
    breaks: Iterable[tuple[int, Decimal]],
    pack_size: int = 1,
    moq: int = 0,
    lead_time_days: int = 14,
) -> ContractLine:
    """Offer a product on a contract with its all-units price breaks (once per contract)."""
    values = _check_line(
        contract=contract,
        product_id=product_id,
        pack_size=pack_size,
        moq=moq,
        lead_time_days=lead_time_days,
        breaks=breaks,
    )
    breaks = values.pop("breaks")
    line = ContractLine(**values)
    contract.lines.append(line)
    db.session.flush()
    _set_breaks(line, breaks)
    db.session.flush()
    return line


def update_contract_line(
    *,
    line: ContractLine,
    product_id: int,
    breaks: Iterable[tuple[int, Decimal]],
    pack_size: int,
    moq: int,
    lead_time_days: int,
) -> ContractLine:
    """Change a contract line and replace its price breaks."""
    values = _check_line(
        contract=line.contract,
        product_id=product_id,
        pack_size=pack_size,
        moq=moq,
        lead_time_days=lead_time_days,
        breaks=breaks,
        exclude_id=line.id,
    )
    breaks = values.pop("breaks")
    for key, value in values.items():
        setattr(line, key, value)
    _set_breaks(line, breaks)
    db.session.flush()
    return line


def remove_contract_line(*, line: ContractLine) -> None:
    """Take a product off a contract, with its price breaks."""
    line.contract.lines.remove(line)
    db.session.flush()


def lines_offering(*, product_id: int) -> Sequence[ContractLine]:
    """The contract lines that offer a product, newest contract first, breaks loaded."""
    return db.session.scalars(
        select(ContractLine)
        .join(ContractLine.contract)
        .options(
            joinedload(ContractLine.contract).joinedload(Contract.supplier),
            selectinload(ContractLine.price_breaks),
        )
        .where(ContractLine.product_id == product_id)
        .order_by(Contract.valid_from.desc(), Contract.reference)
    ).all()
