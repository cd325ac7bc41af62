"""The finance demo's recharge part (called by finance/demo.py); filled in by that part."""

from core.demo import DemoRun


def load_recharge_demo(run: DemoRun) -> None:
    """Nothing yet: this part's demo records come with its models."""
