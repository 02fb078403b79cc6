"""The optimizers: pure Python over dataclasses and PuLP (no Flask, no database).

`python -m procurement.optimizer purchase FILE.json` prints a purchase plan (README).
"""

from procurement.optimizer.model import PurchaseInstance, PurchasePlan
from procurement.optimizer.parse import InstanceError, parse_purchase
from procurement.optimizer.sharing import plan_purchase

__all__ = ["InstanceError", "PurchaseInstance", "PurchasePlan", "parse_purchase", "plan_purchase"]
