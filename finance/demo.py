"""The finance demo story (docs/finance.md#demo): two financial years of budgets and costs,
shared costs under fixed and driver rules, approved monthly recharge runs, and the Tri-borough
business case with its savings target and realised savings. Each part loads its own records,
in this order, since runs read the ledger and savings read both."""

from core.demo import DemoRun


def load_demo_data(run: DemoRun) -> None:
    """Load the ledger, then the recharge runs, then the business cases."""
    from finance.ledger_demo import load_ledger_demo
    from finance.recharge_demo import load_recharge_demo
    from finance.savings_demo import load_savings_demo

    load_ledger_demo(run)
    load_recharge_demo(run)
    load_savings_demo(run)
