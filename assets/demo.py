"""Demo data of the asset register (filled in below)."""

from typing import Any


def load_demo_data(run: Any) -> None:
    """Nothing yet."""
