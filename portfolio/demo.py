"""The portfolio demo story (docs/portfolio.md#demo): the bi-borough's joint programmes."""

from core.demo import DemoRun


def load_demo_data(run: DemoRun) -> None:
    """Load the joint programmes, their projects, reports, risks and issues."""
