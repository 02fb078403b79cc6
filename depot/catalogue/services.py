"""Catalogue services: product types, suppliers and products (contracts: contract_services).

They check their input, change the session and flush; the request commits. Refusals raise
`Invalid` (400) or `Duplicate` (409) naming the form field they concern, if any.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import joinedload

from depot.catalogue.models import MEASUREMENTS, Product, ProductType, Supplier
from depot.catalogue.validation import (
    CVR_RE,
    EDITION_MAX,
    EDITION_MIN,
    HMI_RE,
    ISO_CODE_RE,
    MEASUREMENT_MAX,
    Duplicate,
    Invalid,
    clean_int,
    clean_money,
    clean_text,
    require_row,
)
from depot.extensions import db

# The highest daily rate a product type can have (DKK); above it is a typing error.
DAILY_RATE_MAX = Decimal("100000.00")
# Marks an argument that was not passed (keep the stored value), unlike None (no value).
_UNCHANGED = object()


def counts_by(column, ids: Iterable[int]) -> dict[int, int]:
    """Count rows per value of a foreign-key column, for the given ids, in one query."""
    ids = list(ids)
    if not ids:
        return {}
    rows = db.session.execute(
        select(column, func.count()).where(column.in_(ids)).group_by(column)
    ).all()
    return {key: n for key, n in rows}


def contains(term: str | None, *columns):
    """Case-insensitive substring match on any of the columns, LIKE wildcards escaped."""
    return or_(*(c.icontains(term, autoescape=True) for c in columns))


# --- product types --------------------------------------------------------------------------


def product_type_query(*, search: str | None = None) -> Select:
    """Product types ordered by ISO code and edition, optionally filtered by code or title."""
    stmt = select(ProductType).order_by(ProductType.iso_code, ProductType.iso_edition.desc())
    if search:
        stmt = stmt.where(
            contains(search, ProductType.iso_code, ProductType.title_da, ProductType.title_en)
        )
    return stmt


def all_product_types() -> Sequence[ProductType]:
    """Every product type, for choice lists."""
    return db.session.scalars(product_type_query()).all()


def _clean_daily_rate(daily_rate) -> Decimal | None:
    """A daily rate in DKK (0 to DAILY_RATE_MAX, two decimals), or None for the default rate."""
    if daily_rate is None or (isinstance(daily_rate, str) and not daily_rate.strip()):
        return None
    return clean_money(daily_rate, field="daily_rate", high=DAILY_RATE_MAX)


def _check_product_type(
    *, iso_code, iso_edition, title_da, title_en, measurement_fields, exclude_id=None
) -> dict:
    iso_code = (iso_code or "").strip()
    if not ISO_CODE_RE.fullmatch(iso_code):
        raise Invalid(_l("Write the ISO 9999 code as three pairs of digits: 12 22 03."), "iso_code")
    iso_edition = clean_int(iso_edition, low=EDITION_MIN, high=EDITION_MAX, field="iso_edition")
    fields = list(dict.fromkeys(measurement_fields or ()))
    unknown = [f for f in fields if f not in MEASUREMENTS]
    if unknown:
        raise Invalid(_l("Unknown measurement."), "measurement_fields")
    clash = db.session.scalar(
        select(ProductType.id).where(
            ProductType.iso_code == iso_code,
            ProductType.iso_edition == iso_edition,
            ProductType.id != (exclude_id or 0),
        )
    )
    if clash is not None:
        raise Duplicate(
            _l(
                "Product type %(code)s of the %(edition)d edition exists already.",
                code=iso_code,
                edition=iso_edition,
            ),
            "iso_code",
        )
    return {
        "iso_code": iso_code,
        "iso_edition": iso_edition,
        "title_da": clean_text(title_da, max_len=200, field="title_da"),
        "title_en": clean_text(title_en, max_len=200, field="title_en"),
        # Kept in the catalogue's order, whatever order they were ticked in.
        "measurement_fields": ",".join(m for m in MEASUREMENTS if m in fields),
    }


def _distribution_values(volume_m3, handling_factor) -> dict:
    """Volume per unit (m³, None: from the products' sizes) and transport handling factor."""
    values: dict = {}
    if volume_m3 is not _UNCHANGED:
        volume = None if volume_m3 is None else float(volume_m3)
        if volume is not None and not (0 <= volume <= 50):
            raise Invalid(_l("The volume must be between 0 and 50 m³."), "volume_m3")
        values["volume_m3"] = volume
    if handling_factor is not _UNCHANGED:
        factor = 1.0 if handling_factor is None else float(handling_factor)
        if not 0.1 <= factor <= 20:
            raise Invalid(_l("The handling factor must be between 0.1 and 20."), "handling_factor")
        values["handling_factor"] = factor
    return values


def create_product_type(
    *,
    iso_code: str,
    iso_edition: int,
    title_da: str,
    title_en: str,
    reusable: bool = True,
    measurement_fields: Iterable[str] = (),
    daily_rate: Decimal | None = None,
    volume_m3=None,
    handling_factor=1.0,
) -> ProductType:
    """Create a product type; the ISO code and edition must be new together."""
    values = _check_product_type(
        iso_code=iso_code,
        iso_edition=iso_edition,
        title_da=title_da,
        title_en=title_en,
        measurement_fields=measurement_fields,
    )
    values["daily_rate"] = _clean_daily_rate(daily_rate)
    values.update(_distribution_values(volume_m3, handling_factor))
    product_type = ProductType(reusable=bool(reusable), **values)
    db.session.add(product_type)
    db.session.flush()
    return product_type


def update_product_type(
    *,
    product_type: ProductType,
    iso_code: str,
    iso_edition: int,
    title_da: str,
    title_en: str,
    reusable: bool,
    measurement_fields: Iterable[str],
    daily_rate=_UNCHANGED,
    volume_m3=_UNCHANGED,
    handling_factor=_UNCHANGED,
) -> ProductType:
    """Change a product type's code, edition, titles, kind, measurements and daily rate.

    `daily_rate` None means the default rate; not passed, the stored rate is kept.
    """
    values = _check_product_type(
        iso_code=iso_code,
        iso_edition=iso_edition,
        title_da=title_da,
        title_en=title_en,
        measurement_fields=measurement_fields,
        exclude_id=product_type.id,
    )
    if daily_rate is not _UNCHANGED:
        values["daily_rate"] = _clean_daily_rate(daily_rate)
    values.update(_distribution_values(volume_m3, handling_factor))
    for key, value in values.items():
        setattr(product_type, key, value)
    product_type.reusable = bool(reusable)
    db.session.flush()
    return product_type


# --- suppliers ------------------------------------------------------------------------------


def supplier_query(*, search: str | None = None) -> Select:
    """Suppliers by name, optionally filtered by name, CVR or email."""
    stmt = select(Supplier).order_by(Supplier.name, Supplier.id)
    if search:
        stmt = stmt.where(contains(search, Supplier.name, Supplier.cvr, Supplier.email))
    return stmt


def all_suppliers(*, include_id: int | None = None) -> Sequence[Supplier]:
    """Active suppliers (plus the one with `include_id`), for choice lists."""
    condition = Supplier.active
    if include_id is not None:
        condition = or_(Supplier.active, Supplier.id == include_id)
    return db.session.scalars(select(Supplier).where(condition).order_by(Supplier.name)).all()


def _check_supplier(*, name, cvr, email, phone, order_cost, exclude_id=None) -> dict:
    name = clean_text(name, max_len=120, field="name")
    cvr = clean_text(cvr, max_len=8, field="cvr", required=False)
    if cvr is not None and not CVR_RE.fullmatch(cvr):
        raise Invalid(_l("A CVR number has exactly 8 digits."), "cvr")
    values = {
        "name": name,
        "cvr": cvr,
        "email": clean_text(email, max_len=254, field="email", required=False),
        "phone": clean_text(phone, max_len=30, field="phone", required=False),
        "order_cost": clean_money(order_cost, field="order_cost"),
    }
    others = select(Supplier.id).where(Supplier.id != (exclude_id or 0))
    if db.session.scalar(others.where(func.lower(Supplier.name) == name.lower())) is not None:
        raise Duplicate(_l("A supplier with this name exists already."), "name")
    if cvr and db.session.scalar(others.where(Supplier.cvr == cvr)) is not None:
        raise Duplicate(_l("A supplier with this CVR number exists already."), "cvr")
    return values


def create_supplier(
    *,
    name: str,
    cvr: str | None = None,
    email: str | None = None,
    phone: str | None = None,
    order_cost: Decimal = Decimal("0"),
) -> Supplier:
    """Create a supplier; name and CVR number must be unique."""
    values = _check_supplier(name=name, cvr=cvr, email=email, phone=phone, order_cost=order_cost)
    supplier = Supplier(active=True, **values)
    db.session.add(supplier)
    db.session.flush()
    return supplier


def update_supplier(
    *,
    supplier: Supplier,
    name: str,
    cvr: str | None,
    email: str | None,
    phone: str | None,
    order_cost: Decimal,
    active: bool,
) -> Supplier:
    """Change a supplier's details and whether new products may be added for it."""
    values = _check_supplier(
        name=name,
        cvr=cvr,
        email=email,
        phone=phone,
        order_cost=order_cost,
        exclude_id=supplier.id,
    )
    for key, value in values.items():
        setattr(supplier, key, value)
    supplier.active = bool(active)
    db.session.flush()
    return supplier


# --- products -------------------------------------------------------------------------------


def product_query(
    *,
    search: str | None = None,
    product_type_id: int | None = None,
    supplier_id: int | None = None,
    reusable: bool | None = None,
    active: bool | None = True,
    sort: str = "name",
) -> Select:
    """Products matching the filters (None means any), with type and supplier loaded."""
    stmt = select(Product).options(joinedload(Product.product_type), joinedload(Product.supplier))
    if search:
        stmt = stmt.where(contains(search, Product.name, Product.hmi_number))
    if product_type_id is not None:
        stmt = stmt.where(Product.product_type_id == product_type_id)
    if supplier_id is not None:
        stmt = stmt.where(Product.supplier_id == supplier_id)
    if reusable is not None:
        stmt = stmt.where(Product.reusable == reusable)
    if active is not None:
        stmt = stmt.where(Product.active == active)
    order = {
        "name": (Product.name,),
        "-name": (Product.name.desc(),),
        "price": (Product.list_price, Product.name),
        "-price": (Product.list_price.desc(), Product.name),
    }.get(sort, (Product.name,))
    return stmt.order_by(*order, Product.id)


def product_choices(*, include_id: int | None = None) -> Sequence[Product]:
    """Active products (plus the one with `include_id`) with their suppliers, for choices."""
    condition = Product.active
    if include_id is not None:
        condition = or_(Product.active, Product.id == include_id)
    return db.session.scalars(
        select(Product)
        .options(joinedload(Product.supplier))
        .where(condition)
        .order_by(Product.name, Product.id)
    ).all()


def _check_product(
    *,
    name,
    hmi_number,
    product_type_id,
    supplier_id,
    list_price,
    description,
    measurements,
    exclude_id=None,
) -> dict:
    values = {
        "name": clean_text(name, max_len=200, field="name"),
        "hmi_number": clean_text(hmi_number, max_len=20, field="hmi_number", required=False),
        "list_price": clean_money(list_price, field="list_price"),
        "description": clean_text(description, max_len=5000, field="description", required=False),
    }
    if values["hmi_number"] is not None and not HMI_RE.fullmatch(values["hmi_number"]):
        raise Invalid(_l("Use only digits, letters and hyphens."), "hmi_number")
    require_row(
        ProductType, product_type_id, field="product_type_id", message=_l("Choose a product type.")
    )
    require_row(Supplier, supplier_id, field="supplier_id", message=_l("Choose a supplier."))
    values["product_type_id"], values["supplier_id"] = product_type_id, supplier_id
    measurements = dict(measurements or {})
    for key in measurements:
        if key not in MEASUREMENTS:
            raise Invalid(_l("Unknown measurement."), key)
    for key in MEASUREMENTS:
        value = measurements.get(key)
        values[key] = (
            None if value is None else clean_int(value, low=1, high=MEASUREMENT_MAX[key], field=key)
        )
    if values["hmi_number"] is not None:
        clash = db.session.scalar(
            select(Product.id).where(
                Product.hmi_number == values["hmi_number"], Product.id != (exclude_id or 0)
            )
        )
        if clash is not None:
            raise Duplicate(_l("Another product has this HMI number."), "hmi_number")
    return values


def create_product(
    *,
    name: str,
    product_type_id: int,
    supplier_id: int,
    list_price: Decimal,
    hmi_number: str | None = None,
    reusable: bool = True,
    description: str | None = None,
    measurements: dict[str, int | None] | None = None,
) -> Product:
    """Create an active product; the HMI number, if given, must be unique."""
    values = _check_product(
        name=name,
        hmi_number=hmi_number,
        product_type_id=product_type_id,
        supplier_id=supplier_id,
        list_price=list_price,
        description=description,
        measurements=measurements,
    )
    product = Product(reusable=bool(reusable), active=True, **values)
    db.session.add(product)
    db.session.flush()
    return product


def update_product(
    *,
    product: Product,
    name: str,
    product_type_id: int,
    supplier_id: int,
    list_price: Decimal,
    hmi_number: str | None,
    reusable: bool,
    description: str | None,
    measurements: dict[str, int | None],
) -> Product:
    """Change a product's details; measurements left out or None are cleared."""
    values = _check_product(
        name=name,
        hmi_number=hmi_number,
        product_type_id=product_type_id,
        supplier_id=supplier_id,
        list_price=list_price,
        description=description,
        measurements=measurements,
        exclude_id=product.id,
    )
    for key, value in values.items():
        setattr(product, key, value)
    product.reusable = bool(reusable)
    db.session.flush()
    return product


def set_product_active(*, product: Product, active: bool) -> Product:
    """Deactivate (or reactivate) a product: products are never deleted."""
    product.active = bool(active)
    db.session.flush()
    return product
