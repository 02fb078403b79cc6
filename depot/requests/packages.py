"""Basic-package services: save a package with its lines, deactivate it. Flush, never commit."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from depot.catalogue.models import ProductType
from depot.catalogue.validation import Duplicate, Invalid
from depot.extensions import db
from depot.requests.models import BasicPackage, BasicPackageLine

NAME_MAX = 120
DESCRIPTION_MAX = 2000
MAX_PACKAGE_LINES = 30
QUANTITY_MIN, QUANTITY_MAX = 1, 20


def _check_lines(lines: list[tuple[int, int]]) -> None:
    if not lines:
        raise Invalid(_l("A basic package needs at least one product type."), "lines")
    if len(lines) > MAX_PACKAGE_LINES:
        raise Invalid(_l("At most %(n)s product types in a package.", n=MAX_PACKAGE_LINES), "lines")
    type_ids = [type_id for type_id, _quantity in lines]
    if len(set(type_ids)) != len(type_ids):
        raise Invalid(_l("Each product type may appear only once in a package."), "lines")
    types = {
        t.id: t for t in db.session.scalars(select(ProductType).where(ProductType.id.in_(type_ids)))
    }
    for type_id, quantity in lines:
        product_type = types.get(type_id)
        if product_type is None:
            raise Invalid(_l("Unknown product type."), "lines")
        if not product_type.reusable:
            raise Invalid(
                _l("%(type)s is a consumable: it is not lent.", type=product_type.title_da),
                "lines",
            )
        if not QUANTITY_MIN <= quantity <= QUANTITY_MAX:
            raise Invalid(_l("The quantity must be between 1 and 20."), "lines")


def save_package(
    *,
    package: BasicPackage | None,
    name: str,
    description: str | None,
    active: bool,
    lines: list[tuple[int, int]],
) -> BasicPackage:
    """Create (package None) or update a basic package; `lines` are (product type id, qty)."""
    name = (name or "").strip()
    if not name:
        raise Invalid(_l("Give the package a name."), "name")
    if len(name) > NAME_MAX:
        raise Invalid(_l("The name has at most %(n)s characters.", n=NAME_MAX), "name")
    if description and len(description) > DESCRIPTION_MAX:
        raise Invalid(
            _l("The description has at most %(n)s characters.", n=DESCRIPTION_MAX), "description"
        )
    _check_lines(lines)
    taken = select(BasicPackage.id).where(func.lower(BasicPackage.name) == name.lower())
    if package is not None:
        taken = taken.where(BasicPackage.id != package.id)
    if db.session.scalar(taken) is not None:
        raise Duplicate(_l("A basic package named %(name)s exists already.", name=name), "name")
    if package is None:
        package = BasicPackage()
        db.session.add(package)
    package.name = name
    package.description = description or None
    package.active = bool(active)
    # Update lines in place, matched by type: deleting and re-inserting a type in one flush
    # would trip the unique (package, type) constraint, as inserts are flushed first.
    wanted = dict(lines)
    for line in list(package.lines):
        if line.product_type_id in wanted:
            line.quantity = wanted.pop(line.product_type_id)
        else:
            package.lines.remove(line)
    db.session.flush()
    for type_id, quantity in lines:
        if type_id in wanted:
            package.lines.append(BasicPackageLine(product_type_id=type_id, quantity=quantity))
    db.session.flush()
    return package


def deactivate_package(*, package_id: int) -> BasicPackage:
    """Stop offering a package; requests made from it keep their link to it."""
    package = db.session.get(BasicPackage, package_id)
    if package is None:
        raise Invalid(_l("Unknown basic package."))
    package.active = False
    db.session.flush()
    return package
