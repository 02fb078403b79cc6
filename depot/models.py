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
from depot.citizens.models import Citizen
from depot.organisations.models import Depot, DepotShare, Organisation

__all__ = [
    "Citizen",
    "Contract",
    "ContractLine",
    "Depot",
    "DepotShare",
    "Organisation",
    "PriceBreak",
    "Product",
    "ProductType",
    "Supplier",
    "User",
]
