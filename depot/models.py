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
from depot.clarification.models import ClarificationRule
from depot.deliveries.models import DeliveryRun, RunStop, RunStopItem
from depot.deviations.models import DeviationCase
from depot.distribution.models import (
    DistributionRun,
    TransferOrder,
    TransferOrderItem,
    TransferOrderLine,
)
from depot.handovers.models import Handover, HandoverContact, HandoverDevice
from depot.items.models import Inspection, InspectionPlan, Item, ItemCount, ItemEvent, Transfer
from depot.loans.models import Loan, OwnershipTransfer
from depot.organisations.models import Depot, DepotShare, Organisation
from depot.purchasing.models import (
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseReceipt,
    PurchaseRound,
    PurchaseRoundContract,
    PurchaseRoundDemand,
    PurchaseRoundParticipant,
)
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
    "ClarificationRule",
    "Contract",
    "ContractLine",
    "DeliveryRun",
    "Depot",
    "DepotShare",
    "DeviationCase",
    "DeviceRequest",
    "DistributionRun",
    "Handover",
    "HandoverContact",
    "HandoverDevice",
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
    "PurchaseOrder",
    "PurchaseOrderLine",
    "PurchaseReceipt",
    "PurchaseRound",
    "PurchaseRoundContract",
    "PurchaseRoundDemand",
    "PurchaseRoundParticipant",
    "RequestLine",
    "Reservation",
    "RunStop",
    "RunStopItem",
    "StockLevel",
    "StockMovement",
    "Supplier",
    "Transfer",
    "TransferOrder",
    "TransferOrderItem",
    "TransferOrderLine",
    "User",
]
