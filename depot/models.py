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
from depot.deliveries.models import DeliveryRun, RunStop, RunStopItem
from depot.items.models import Inspection, InspectionPlan, Item, ItemCount, ItemEvent, Transfer
from depot.loans.models import Loan, OwnershipTransfer
from depot.organisations.models import Depot, DepotShare, Organisation
from depot.requests.models import (
    BasicPackage,
    BasicPackageLine,
    DeviceRequest,
    RequestLine,
    Reservation,
)
from depot.stock.models import StockLevel, StockMovement

__all__ = [
    "AccessLogEntry",
    "BasicPackage",
    "BasicPackageLine",
    "Citizen",
    "Contract",
    "ContractLine",
    "DeliveryRun",
    "Depot",
    "DepotShare",
    "DeviceRequest",
    "Inspection",
    "InspectionPlan",
    "Item",
    "ItemCount",
    "ItemEvent",
    "Loan",
    "Organisation",
    "OwnershipTransfer",
    "PriceBreak",
    "Product",
    "ProductType",
    "RequestLine",
    "Reservation",
    "RunStop",
    "RunStopItem",
    "StockLevel",
    "StockMovement",
    "Supplier",
    "Transfer",
    "User",
]
