"""The reporting app's jobs on a timetable (core.periodic; `concord tick` queues them): each
part's, the roll-ups first (reporting/rollup_jobs.py), then the monthly packs
(reporting/pack_jobs.py), which read them."""

from reporting.pack_jobs import PERIODIC as PACK_PERIODIC
from reporting.rollup_jobs import PERIODIC as ROLLUP_PERIODIC

PERIODIC = [*ROLLUP_PERIODIC, *PACK_PERIODIC]
