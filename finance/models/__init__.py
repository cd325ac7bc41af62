"""The finance app's records, one module per part of the money:

- `ledger`: financial years, cost centres, ledger codes, budgets and their revisions, cost lines,
  apportionment rules and the driver figures they read;
- `recharges`: recharge runs, each council's statement and its lines, adjustments;
- `savings`: business cases, their targets, implementation costs and realised savings.
"""

from finance.models.ledger import *  # noqa: F403
from finance.models.recharges import *  # noqa: F403
from finance.models.savings import *  # noqa: F403
