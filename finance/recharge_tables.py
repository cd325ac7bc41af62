"""Tables of the recharge pages: adjustments (the runs and statements pages draw their own)."""

from __future__ import annotations

from core.tables import Column, Table
from finance.models import RechargeAdjustment


class RechargeAdjustmentTable(Table):
    """Corrections of approved runs, and the run that carries each."""

    reason = Column("Reason", link=True)
    partner = Column("Council")
    amount = Column("Amount (£)", numeric=True)
    corrects_run = Column("Corrects")
    applied_in = Column("Carried by")

    class Meta:
        model = RechargeAdjustment
