"""The contracts app's demo data (`concord demo` calls `load_demo_data`)."""

from __future__ import annotations

from core.demo import DemoRun


def load_demo_data(run: DemoRun) -> None:
    """The contracts app's demo records."""
    # Frameworks, call-offs and purchasing (helper procurement): contracts/procurement_demo.py
    from contracts.procurement_demo import load_procurement_demo

    load_procurement_demo(run)
