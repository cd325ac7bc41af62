"""The procurement pages beyond the generic ones, with records to show and in their error
states, for the page template checks (core.testing.visits, through contracts/tests/pages.py)."""

from __future__ import annotations

from typing import Any

from contracts import procurement_services as services
from contracts.procurement import PurchaseOrderLine
from contracts.tests.procurement_factories import (
    call_off,
    framework,
    purchase_request,
    supplier,
)
from core.tenancy.scoping import system_scope


def procurement_page_visits(cast: Any, client_for: Any) -> list[tuple[str, Any]]:
    """(name, visit) pairs: each visit draws one page and returns the response."""
    made, (lot,) = framework("PV-DPF", councils=[cast.wcc, cast.rbkc], ceiling="5000", hold=True)
    call_off(lot, cast.wcc, "PV-CO-1", "4000")
    held = call_off(lot, cast.rbkc, "PV-CO-2", "2000")
    draft = purchase_request(cast.wcc, cast.wcc_staff, "PV-PR-1", [("Laptop", 2, "900", True)])
    waiting = purchase_request(cast.wcc, cast.wcc_staff, "PV-PR-2", [("Server", 1, "9000", True)])
    ready = purchase_request(cast.wcc, cast.wcc_staff, "PV-PR-3", [("Mouse", 2, "10", False)])
    with system_scope("test data"):
        services.submit_request(waiting, cast.wcc_staff)
        services.submit_request(ready, cast.wcc_staff)
    spare = purchase_request(cast.wcc, cast.wcc_staff, "PV-PR-4", [("Dock", 3, "100", True)])
    with system_scope("test data"):
        services.submit_request(spare, cast.wcc_staff)
        order = services.raise_order([spare], "PV-PO-1", supplier())
        line = PurchaseOrderLine.objects.filter(order=order).first()
    lead, manager = client_for(cast.wcc_lead), client_for(cast.manager)
    return [
        ("framework spend", lambda: lead.get(f"/frameworks/{made.pk}/spend/")),
        ("framework", lambda: lead.get(f"/frameworks/{made.pk}/")),
        ("submit request", lambda: lead.get(f"/purchase-requests/{draft.pk}/submit/")),
        ("approve request", lambda: lead.get(f"/purchase-requests/{waiting.pk}/approve/")),
        (
            "approve request, errors",
            lambda: lead.post(f"/purchase-requests/{ready.pk}/approve/"),
        ),
        ("approve call-off", lambda: manager.get(f"/call-offs/{held.pk}/approve/")),
        ("receive", lambda: lead.get(f"/purchase-order-lines/{line.pk}/receive/")),
        (
            "receive, errors",
            lambda: lead.post(f"/purchase-order-lines/{line.pk}/receive/", {"quantity": "9"}),
        ),
        ("order requests", lambda: manager.get("/purchase-orders/from-requests/")),
        (
            "order requests, errors",
            lambda: manager.post("/purchase-orders/from-requests/", {"reference": ""}),
        ),
    ]
