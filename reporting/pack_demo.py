"""The reporting demo: last months' packs for each council and the joint board."""

from core.demo import DemoRun


def load_pack_demo(run: DemoRun) -> None:
    """Load last months' packs for each council and the joint board."""
