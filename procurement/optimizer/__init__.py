"""The optimizers: pure Python over dataclasses and PuLP (no Flask, no database).

`python -m procurement.optimizer purchase FILE.json` prints a purchase plan (README), and
`python -m procurement.optimizer distribute FILE.json` a plan of transfers between depots.
"""

from procurement.optimizer.distribute import (
    DistributionInstance,
    DistributionPlan,
    plan_distribution,
    plan_to_dict,
)
from procurement.optimizer.model import PurchaseInstance, PurchasePlan
from procurement.optimizer.parse import InstanceError, parse_purchase
from procurement.optimizer.parse_distribute import parse_distribution
from procurement.optimizer.sharing import plan_purchase

__all__ = [
    "DistributionInstance",
    "DistributionPlan",
    "InstanceError",
    "PurchaseInstance",
    "PurchasePlan",
    "parse_distribution",
    "parse_purchase",
    "plan_distribution",
    "plan_purchase",
    "plan_to_dict",
]
