"""The portfolio app's jobs on a timetable (core.periodic; `concord tick` queues them)."""

from core.periodic import Periodic

PERIODIC: list[Periodic] = []
