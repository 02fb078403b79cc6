"""Demo steps for the catalogue: product types, suppliers, products and framework contracts."""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal

from depot.catalogue.models import (
    Contract,
    ContractLine,
    PriceBreak,
    Product,
    ProductType,
    Supplier,
)
from depot.demo import product_vocabulary as pv
from depot.demo import vocabulary as v
from depot.demo.context import DemoContext
from depot.extensions import db

CENT = Decimal("0.01")
CONSUMABLE_LEAD_TIME = (2, 7)  # days
# Rent per day for lending another organisation's device: about 0.2 % of a typical list
# price (so a device costs its price in rent after some 18 months on loan).
DAILY_RATE_SHARE = Decimal("0.002")


def daily_rate(spec: pv.TypeSpec) -> Decimal:
    """The demo daily rate of a reusable type: 0.2 % of its middle list price, in half kroner."""
    typical = Decimal(spec.price[0] + spec.price[1]) / 2
    halves = (typical * DAILY_RATE_SHARE * 2).quantize(Decimal(1))
    return max(Decimal("0.50"), halves / 2).quantize(CENT)


def create_product_types(ctx: DemoContext) -> None:
    """Every ISO 9999 code of the reference file, with the measurements that matter for it."""
    for row in ctx.reference.iso_codes:
        spec = pv.TYPE_SPECS.get(row.code, pv.FALLBACK_SPEC)
        product_type = ProductType(
            iso_code=row.code,
            iso_edition=row.edition,
            title_da=row.title_da,
            title_en=row.title_en,
            reusable=row.reusable,
            measurement_fields=",".join(spec.fields),
            daily_rate=daily_rate(spec) if row.reusable else None,
        )
        db.session.add(product_type)
        current = ctx.product_types.get(row.code)
        if current is None or current.iso_edition < row.edition:
            ctx.product_types[row.code] = product_type  # products use the newest edition
    db.session.flush()


def create_suppliers(ctx: DemoContext) -> None:
    rng = ctx.rng("suppliers")
    cvrs: set[str] = set()
    for info in v.SUPPLIERS:
        cvr = str(rng.randint(10_000_000, 99_999_999))
        while cvr in cvrs:
            cvr = str(rng.randint(10_000_000, 99_999_999))
        cvrs.add(cvr)
        supplier = Supplier(
            name=info.name,
            cvr=cvr,
            email=info.email,
            phone=f"70 {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)}",
            order_cost=Decimal(rng.randrange(400, 1_501, 25)),
            active=True,
        )
        db.session.add(supplier)
        ctx.suppliers.append(supplier)
    db.session.flush()


def list_price(rng: random.Random, low: int, high: int) -> Decimal:
    """A price in the range as a catalogue would print it: 4.995, 245, 3,75."""
    raw = rng.uniform(low, high)
    if high <= 20:
        value = Decimal(round(raw * 4)) / 4
    elif high < 1_000:
        value = Decimal(min(high, max(low, round(raw / 5) * 5)))
    else:
        hundreds = int(raw) // 100 * 100
        value = Decimal(hundreds + 95 if hundreds + 95 <= high else hundreds - 5)
    return value.quantize(CENT)


def _describe(title_da: str, brand: str, measurements: dict[str, int]) -> str:
    details = ", ".join(
        f"{label} {measurements[name]} {unit}"
        for name, (label, unit) in pv.MEASUREMENT_LABELS_DA.items()
        if name in measurements
    )
    text = f"{title_da} fra {brand}."
    return f"{text} {details[0].upper()}{details[1:]}." if details else text


class _UniqueNames:
    """Product names are not unique in the schema, but duplicates confuse people: add v2, v3."""

    def __init__(self) -> None:
        self.taken: set[str] = set()

    def __call__(self, name: str) -> str:
        candidate, n = name, 1
        while candidate in self.taken:
            n += 1
            candidate = f"{name} v{n}"
        self.taken.add(candidate)
        return candidate


def _hmi_number(rng: random.Random, taken: set[str]) -> str:
    """A unique 6-digit number like the Danish assistive-device base (Hjælpemiddelbasen)."""
    while True:
        number = str(rng.randint(100_000, 999_999))
        if number not in taken:
            taken.add(number)
            return number


def create_products(ctx: DemoContext) -> None:
    """Devices of every type (count multiplied by the scale) and consumables in fitting types."""
    rng = ctx.rng("products")
    unique_name = _UniqueNames()
    hmi_numbers: set[str] = set()
    packed: list[tuple[Product, int]] = []
    for code, product_type in ctx.product_types.items():
        spec = pv.TYPE_SPECS.get(code, pv.FALLBACK_SPEC)
        supplier_index = spec.supplier % len(ctx.suppliers)
        brands = v.SUPPLIERS[supplier_index].brands
        for _ in range(ctx.scaled(spec.count)):
            measurements = {
                name: rng.choice(choices) for name, choices in spec.measurements.items()
            }
            brand, model = rng.choice(brands), rng.choice(spec.models)
            suffix = measurements[spec.name_field] if spec.name_field else rng.randint(1, 9) * 10
            product = Product(
                hmi_number=_hmi_number(rng, hmi_numbers),
                name=unique_name(f"{brand} {model} {suffix}"),
                product_type_id=product_type.id,
                supplier_id=ctx.suppliers[supplier_index].id,
                reusable=True,
                list_price=list_price(rng, *spec.price),
                description=_describe(product_type.title_da, brand, measurements),
                **measurements,
            )
            packed.append((product, 1))
        for consumable in pv.CONSUMABLE_SPECS:
            if consumable.iso_code != code:
                continue
            for _ in range(ctx.scaled(1)):
                measurements = {
                    name: rng.choice(choices) for name, choices in consumable.measurements.items()
                }
                brand = rng.choice(brands)
                product = Product(
                    hmi_number=_hmi_number(rng, hmi_numbers),
                    name=unique_name(f"{brand} {consumable.name}"),
                    product_type_id=product_type.id,
                    supplier_id=ctx.suppliers[supplier_index].id,
                    reusable=False,
                    list_price=list_price(rng, *consumable.price),
                    description=consumable.description,
                    **measurements,
                )
                packed.append((product, consumable.pack_size))
    for product, _pack in packed:
        db.session.add(product)
        ctx.products.append(product)
    db.session.flush()
    ctx.pack_sizes.update({product.id: pack for product, pack in packed})


def _price_breaks(rng: random.Random, price: Decimal, *, consumable: bool) -> list[PriceBreak]:
    """2-4 all-units breaks: the list price from 1 unit, then deeper discounts."""
    template = pv.CONSUMABLE_BREAKS if consumable else pv.DEVICE_BREAKS
    breaks = [PriceBreak(min_qty=1, unit_price=price)]
    for min_qty, (low, high) in template[: rng.randint(1, len(template))]:
        discount = Decimal(rng.randint(low * 10, high * 10)) / 1000
        # Whole kroner as contracts quote them, except for the cheapest consumables.
        step = Decimal(1) if price >= 100 else CENT
        unit_price = (price * (1 - discount)).quantize(step).quantize(CENT)
        breaks.append(PriceBreak(min_qty=min_qty, unit_price=unit_price))
    return breaks


def create_contracts(ctx: DemoContext) -> None:
    """One framework contract per supplier covering all of its products."""
    rng = ctx.rng("contracts")
    valid_from, valid_to = date(*v.CONTRACT_VALID_FROM), date(*v.CONTRACT_VALID_TO)
    code_by_type_id = {product_type.id: code for code, product_type in ctx.product_types.items()}
    for number, supplier in enumerate(ctx.suppliers, start=1):
        contract = Contract(
            reference=f"RM-{valid_from.year}-{number:02d}",
            title=v.SUPPLIERS[number - 1].contract_title,
            supplier_id=supplier.id,
            valid_from=valid_from,
            valid_to=valid_to,
            notes="Fælles rammeaftale for Vestklyngen (demodata). Priser i DKK ekskl. moms, "
            "mængderabat på hele ordren (all-units).",
        )
        for product in ctx.products:
            if product.supplier_id != supplier.id:
                continue
            pack_size = ctx.pack_sizes[product.id]
            if product.reusable:
                spec = pv.TYPE_SPECS.get(code_by_type_id[product.product_type_id], pv.FALLBACK_SPEC)
                lead_low, lead_high = spec.lead_time
                moq = rng.choice((0, 1, 1, 2))
            else:
                lead_low, lead_high = CONSUMABLE_LEAD_TIME
                moq = pack_size * rng.choice((1, 2))
            line = ContractLine(
                product_id=product.id,
                pack_size=pack_size,
                moq=moq,
                lead_time_days=rng.randint(lead_low, lead_high),
            )
            line.price_breaks.extend(
                _price_breaks(rng, product.list_price, consumable=not product.reusable)
            )
            contract.lines.append(line)
        db.session.add(contract)
        ctx.contracts.append(contract)
    db.session.flush()
