"""Factory functions that create committed rows; each call runs in its own app context."""

import itertools
from datetime import date
from decimal import Decimal

from depot.auth import services as auth_services
from depot.catalogue.models import (
    Contract,
    ContractLine,
    PriceBreak,
    Product,
    ProductType,
    Supplier,
)
from depot.extensions import db
from depot.organisations.models import Depot, DepotShare, Organisation

PASSWORD = "correct-horse-battery"
_seq = itertools.count(1)


def _save(app, obj):
    with app.app_context():
        db.session.add(obj)
        db.session.commit()
        return obj


def make_organisation(app, *, name=None, kind="municipality", population=50000, town=None):
    n = next(_seq)
    return _save(
        app,
        Organisation(
            name=name or f"Kommune {n}",
            kind=kind,
            population=population,
            town=town or f"By {n}",
            latitude=56.0,
            longitude=9.0,
        ),
    )


def make_user(
    app, *, organisation, role="therapist", email=None, password=PASSWORD, name=None, active=True
):
    n = next(_seq)
    with app.app_context():
        user = auth_services.create_user(
            email=email or f"user{n}@example.dk",
            name=name or f"Bruger {n}",
            password=password,
            role=role,
            organisation_id=organisation.id,
            active=active,
        )
        db.session.commit()
        return user


def make_depot(app, *, owner=None, name=None, shares=None, capacity_m3=500):
    n = next(_seq)
    depot = Depot(
        name=name or f"Depot {n}",
        address=f"Lagervej {n}",
        postcode="7400",
        town="Herning",
        latitude=56.1,
        longitude=8.9,
        capacity_m3=capacity_m3,
        opening_hours="Man-fre 7-15",
        owner_id=owner.id if owner else None,
    )
    for organisation, percent in shares or []:
        depot.shares.append(DepotShare(organisation_id=organisation.id, percent=percent))
    return _save(app, depot)


def make_product_type(
    app,
    *,
    iso_code=None,
    title_da=None,
    reusable=True,
    measurement_fields="seat_width_cm,max_user_weight_kg",
):
    n = next(_seq)
    if iso_code is None:
        # Generated codes get their own edition, so they never collide with a code a test
        # chose (e.g. "12 22 03", edition 2016), and skip those generated before.
        with app.app_context():
            taken = set(
                db.session.scalars(
                    db.select(ProductType.iso_code).where(ProductType.iso_edition == 2011)
                )
            )
        while f"12 {n % 100:02d} {n % 97:02d}" in taken:
            n = next(_seq)
    return _save(
        app,
        ProductType(
            iso_code=iso_code or f"12 {n % 100:02d} {n % 97:02d}",
            iso_edition=2016 if iso_code else 2011,
            title_da=title_da or f"Type {n}",
            title_en=f"Type {n}",
            reusable=reusable,
            measurement_fields=measurement_fields,
        ),
    )


def make_supplier(app, *, name=None, order_cost=Decimal("500")):
    n = next(_seq)
    return _save(
        app,
        Supplier(
            name=name or f"Leverandør {n} A/S",
            cvr=f"{10000000 + n}",
            email=f"salg{n}@example.dk",
            order_cost=order_cost,
        ),
    )


def make_product(
    app,
    *,
    product_type=None,
    supplier=None,
    name=None,
    reusable=True,
    list_price=Decimal("4995.00"),
    **measurements,
):
    n = next(_seq)
    product_type = product_type or make_product_type(app)
    supplier = supplier or make_supplier(app)
    return _save(
        app,
        Product(
            name=name or f"Produkt {n}",
            hmi_number=f"{100000 + n}",
            product_type_id=product_type.id,
            supplier_id=supplier.id,
            reusable=reusable,
            list_price=list_price,
            **measurements,
        ),
    )


def make_contract(
    app,
    *,
    supplier=None,
    reference=None,
    products=(),
    breaks=((1, "100.00"),),
    valid_from=date(2026, 1, 1),
    valid_to=date(2027, 12, 31),
):
    n = next(_seq)
    supplier = supplier or make_supplier(app)
    contract = Contract(
        reference=reference or f"RK-{n:04d}",
        title=f"Rammeaftale {n}",
        supplier_id=supplier.id,
        valid_from=valid_from,
        valid_to=valid_to,
    )
    for product in products:
        line = ContractLine(product_id=product.id, pack_size=1, moq=0, lead_time_days=14)
        for min_qty, price in breaks:
            line.price_breaks.append(PriceBreak(min_qty=min_qty, unit_price=Decimal(price)))
        contract.lines.append(line)
    return _save(app, contract)


def _cpr(n: int) -> str:
    """A synthetic, valid-format CPR number unique per call (01-01-1940 + n days)."""
    born = date(1940, 1, 1).toordinal() + n % 20000
    day = date.fromordinal(born)
    return f"{day:%d%m%y}-{1000 + n % 9000:04d}"


def make_citizen(app, *, municipality, name=None, cpr=None, address=None, postcode="7400"):
    from depot.citizens.models import Citizen

    n = next(_seq)
    return _save(
        app,
        Citizen(
            cpr=cpr or _cpr(n),
            name=name or f"Borger {n}",
            address=address or f"Skolegade {n}",
            postcode=postcode,
            town="Herning",
            phone=f"20{n:06d}"[:8],
            municipality_id=municipality.id,
        ),
    )


def make_items(app, *, product, depot, owner, count=1, status="available"):
    """Reusable items received into a depot (and reserved when status='reserved')."""
    from depot.items import services as item_services

    with app.app_context():
        items = item_services.receive_items(
            product_id=product.id,
            depot_id=depot.id,
            owner_id=owner.id,
            serials=[None] * count,
            user=None,
        )
        if status == "reserved":
            for item in items:
                item_services.reserve_item(item_id=item.id, user=None)
        db.session.commit()
        return items


def make_request(
    app,
    *,
    citizen,
    organisation,
    depot,
    product_type,
    quantity=1,
    product=None,
    urgency="normal",
    measurements=None,
    user=None,
    needed_by=None,
):
    """A device request with one line, handled by `depot`."""
    from datetime import datetime, timedelta

    from depot.requests import services as request_services

    with app.app_context():
        request = request_services.create_request(
            citizen_id=citizen.id,
            organisation_id=organisation.id,
            depot_id=depot.id,
            user=user,
            lines=[
                request_services.LineSpec(
                    product_type_id=product_type.id,
                    quantity=quantity,
                    product_id=product.id if product else None,
                    measurements=measurements or {},
                )
            ],
            legal_basis="Serviceloven §112",
            purpose="compensation",
            needed_by=needed_by or datetime(2030, 1, 1, 12, 0) - timedelta(days=1),
            delivery_address="Skolegade 1",
            delivery_postcode="7400",
            delivery_town="Herning",
            urgency=urgency,
            expected_duration_days=90,
        )
        db.session.commit()
        return request


def make_rule(
    app,
    *,
    iso_code,
    purpose="compensation",
    responsible_party="municipality",
    duration_threshold_days=None,
    short_term_party=None,
    guidance=None,
    precedents=None,
):
    """A clarification-catalogue rule for an ISO code (or class)."""
    from depot.clarification.models import ClarificationRule

    return _save(
        app,
        ClarificationRule(
            iso_code=iso_code,
            purpose=purpose,
            responsible_party=responsible_party,
            duration_threshold_days=duration_threshold_days,
            short_term_party=short_term_party,
            guidance=guidance,
            precedents=precedents,
        ),
    )


def make_handover(
    app,
    *,
    citizen,
    sender,
    kind="discharge",
    user=None,
    needs=(),
    contacts=(),
    send=False,
    receiver=None,
    **fields,
):
    """A handover with the given needs [(product_type, dict of DeviceSpec fields)], optionally
    sent. Discharge handovers get a department, a contact phone and a discharge time."""
    from datetime import datetime

    from depot.handovers import services as handover_services
    from depot.requests.measurements import parse as measurement_values

    with app.app_context():
        handover = handover_services.start_handover(
            kind=kind,
            citizen_id=citizen.id,
            sender_id=sender.id,
            user=user,
            receiver_id=receiver.id if receiver else None,
        )
        defaults = {
            "department": "Ortopædkirurgi, Gødstrup",
            "contact_name": "Ergoterapeut Test",
            "contact_phone": "78430000",
            "admitted_at": datetime(2030, 1, 1, 9, 0),
            "expected_discharge_at": datetime(2030, 1, 10, 12, 0),
        }
        devices = [
            handover_services.DeviceSpec(
                section=d.section,
                product_type_id=d.product_type_id,
                quantity=d.quantity,
                measurements=measurement_values(d.measurements),
                note=d.note,
                item_id=d.item_id,
            )
            for d in handover.devices
        ]
        devices += [
            handover_services.DeviceSpec(section="needed", product_type_id=product_type.id, **spec)
            for product_type, spec in needs
        ]
        handover_services.save_draft(
            handover=handover,
            expected_version=None,
            user=user,
            fields={**defaults, **fields},
            devices=devices,
            contacts=[handover_services.ContactSpec(**c) for c in contacts],
        )
        if send:
            handover_services.send_handover(handover=handover, expected_version=None, user=user)
        db.session.commit()
        return handover


# --- purchase orders (issue 6; added by the orders helper) ------------------------------------


def make_purchase_order(
    app, *, organisation, lines, contract=None, supplier=None, send=False, user=None, round_id=None
):
    """A purchase order made by the service (one supplier and contract), optionally sent.

    `lines` are (product, organisation, depot, quantity, unit price); the contract line of each
    product is used when the contract offers it. The supplier is the contract's, else
    `supplier`, else the first product's.
    """
    from depot.purchasing import orders

    with app.app_context():
        supplier_id = (
            contract.supplier_id
            if contract
            else (supplier.id if supplier else lines[0][0].supplier_id)
        )
        offered = {}
        if contract is not None:
            offered = {
                line.product_id: line.id
                for line in db.session.scalars(
                    db.select(ContractLine).where(ContractLine.contract_id == contract.id)
                )
            }
        drafts = [
            orders.OrderLineDraft(
                supplier_id=supplier_id,
                contract_id=contract.id if contract else None,
                contract_line_id=offered.get(product.id),
                product_id=product.id,
                organisation_id=owner.id,
                depot_id=depot.id,
                quantity=quantity,
                unit_price=Decimal(str(price)),
            )
            for product, owner, depot, quantity, price in lines
        ]
        (order,) = orders.create_orders(
            drafts=drafts, organisation_id=organisation.id, user=user, round_id=round_id
        )
        if send:
            orders.send_order(order_id=order.id, user=user)
        db.session.commit()
        order = db.session.get(orders.PurchaseOrder, order.id)
        for line in order.lines:  # loaded, for reading after the context ends
            _ = line.product, line.depot, line.organisation
        return order


# --- transfer orders (issue 7; added by the transfer orders helper) ---------------------------


def make_transfer_order(app, *, from_depot, to_depot, lines, user=None, run_id=None, note=None):
    """An open transfer order made by the service, from one depot to another.

    `lines` are (product type or consumable product, quantity): a ProductType makes an items
    line, a Product a consumable line.
    """
    from depot.catalogue.models import ProductType
    from depot.distribution import transfer_orders
    from depot.distribution.models import TransferOrder

    with app.app_context():
        drafts = [
            transfer_orders.TransferLineDraft(
                from_depot_id=from_depot.id,
                to_depot_id=to_depot.id,
                product_type_id=what.id if isinstance(what, ProductType) else None,
                product_id=None if isinstance(what, ProductType) else what.id,
                quantity=quantity,
            )
            for what, quantity in lines
        ]
        (order,) = transfer_orders.create_transfer_orders(
            drafts=drafts, user=user, run_id=run_id, note=note
        )
        db.session.commit()
        order = db.session.get(TransferOrder, order.id)
        for line in order.lines:  # loaded, for reading after the context ends
            _ = line.product_type, line.product
        _ = order.from_depot, order.to_depot
        return order


def make_stock(app, *, depot, product, quantity):
    """Units of a consumable received into a depot's stock."""
    from depot.stock import services as stock_services

    with app.app_context():
        movement = stock_services.receive_stock(
            depot_id=depot.id, product_id=product.id, quantity=quantity, user=None
        )
        db.session.commit()
        return movement.stock_level_id
