"""The reporting demo: the year of KPI history, rolled up from the demo's records."""

from core.demo import DemoRun


def load_kpi_demo(run: DemoRun) -> None:
    """Load the year of KPI history, rolled up from the demo's records."""
