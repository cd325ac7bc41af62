"""The reporting app's records, one module per part:

- `figures`: the KPI roll-ups kept by the background jobs (daily, per council, per queue and
  category), rebuilt from the records by one command;
- `packs`: the monthly packs made for each council and the joint board, kept to download again.
"""

from reporting.models.figures import *  # noqa: F403
from reporting.models.packs import *  # noqa: F403
