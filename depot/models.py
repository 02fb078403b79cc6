"""Imports every model so that the metadata (and Alembic) sees all tables."""

from depot.auth.models import User
from depot.catalogue.models import (
    Contract,
    ContractLine,
    PriceBreak,
    Product,
    ProductType,
    Supplier,
)
from depot.citizens.models import AccessLogEntry, Citizen
from depot.items.models import Inspection, InspectionPlan, Item, ItemCount, ItemEvent, Transfer
from depot.loans.models import Loan
from depot.organisations.models import Depot, DepotShare, Organisation
from depot.stock.models import StockLevel, StockMovement

__all__ = [
    "AccessLogEntry",
    "Citizen",
    "Contract",
    "ContractLine",
    "Depot",
    "DepotShare",
    "Inspection",
    "InspectionPlan",
    "Item",
    "ItemCount",
    "ItemEvent",
    "Loan",
    "Organisation",
    "PriceBreak",
    "Product",
    "ProductType",
    "StockLevel",
    "StockMovement",
    "Supplier",
    "Transfer",
    "User",
]
