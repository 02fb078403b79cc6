"""Rows for the settlement tests: loans with chosen times, and local (Danish) times in UTC."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import update

from depot.extensions import db
from depot.items.models import Item
from depot.loans.models import Loan

COPENHAGEN = ZoneInfo("Europe/Copenhagen")


def local(year, month, day, hour=0, minute=0, second=0) -> datetime:
    """A Danish wall-clock time as the naive UTC time the database stores."""
    moment = datetime(year, month, day, hour, minute, second, tzinfo=COPENHAGEN)
    return (moment - moment.utcoffset()).replace(tzinfo=None)


def make_loan(app, *, item, lender, started_at, returned_at=None, citizen) -> int:
    """A loan row with the given times (the item goes on loan while it is open)."""
    with app.app_context():
        loan = Loan(
            item_id=item.id,
            citizen_id=citizen.id,
            lender_id=lender.id,
            owner_id=item.owner_id,
            started_at=started_at,
            returned_at=returned_at,
            legal_basis="Serviceloven §112",
        )
        db.session.add(loan)
        db.session.execute(
            update(Item)
            .where(Item.id == item.id)
            .values(status="on_loan" if returned_at is None else "returned")
        )
        db.session.commit()
        return loan.id


class Setting:
    """Herning owns the items of a depot; its product types have a rate or the default."""

    def __init__(self, make, herning, holstebro, region):
        self.make = make
        self.herning, self.holstebro, self.region = herning, holstebro, region
        self.depot = make.depot(owner=herning, name="Herning Hjælpemidler (settlement)")
        self.rated_type = make.product_type(iso_code="12 22 03", title_da="Kørestole")
        with make.app.app_context():
            from depot.catalogue.models import ProductType

            db.session.get(ProductType, self.rated_type.id).daily_rate = Decimal("12.50")
            db.session.commit()
        self.plain_type = make.product_type(iso_code="18 12 10", title_da="Plejesenge")
        self.chair = make.product(
            product_type=self.rated_type, name="Vestmo Comfort 45", list_price=Decimal("6995")
        )
        self.bed = make.product(
            product_type=self.plain_type, name="Opus Care 90", list_price=Decimal("14995")
        )
        self.citizen = make.citizen(municipality=holstebro, name="Hans Hemmelig")

    def item(self, product=None, owner=None):
        (item,) = self.make.items(
            product=product or self.chair, depot=self.depot, owner=owner or self.herning
        )
        return item

    def loan(self, *, start, end=None, lender=None, product=None, owner=None, item=None):
        """A loan by Holstebro (unless told) of a new Herning item (unless told)."""
        item = item or self.item(product, owner)
        loan_id = make_loan(
            self.make.app,
            item=item,
            lender=lender or self.holstebro,
            started_at=start,
            returned_at=end,
            citizen=self.citizen,
        )
        return loan_id, item
