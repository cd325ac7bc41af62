"""The reporting demo story (docs/reporting.md#demo): a year of KPI history drawn from the demo's
tickets, assets, licences, contracts and money, then last months' packs. Each part loads its own,
in this order, since packs read the figures."""

from core.demo import DemoRun


def load_demo_data(run: DemoRun) -> None:
    """Roll up the KPI history, then make the packs."""
    from reporting.kpi_demo import load_kpi_demo
    from reporting.pack_demo import load_pack_demo

    load_kpi_demo(run)
    load_pack_demo(run)
