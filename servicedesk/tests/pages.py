"""The service desk's pages beyond its generic ones, for the page template checks
(core.testing.visits): asking for a catalogue item (empty and with errors), the page of an
approval link (the request to decide on, and a link that cannot be used), the portal, the
agent console, and a change's "Link a ticket" with its errors."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction

from core.services import set_audience
from core.tenancy.scoping import system_scope
from servicedesk import catalogue, changes
from servicedesk.models import ChangeRequest, RequestItem, Service


def page_visits(cast: Any, client_for: Any) -> list[tuple[str, Any]]:
    with system_scope("test data"):
        item = RequestItem.objects.create(
            name="New starter laptop",
            questions="Start date | date | required\nSize | choice | required | 13; 15\n"
            "Phone | yesno | optional\nNotes | paragraph",
            needs_approval=True,
        )
        set_audience(item, [cast.wcc])
        ticket = catalogue.raise_request(
            item,
            partner=cast.wcc,
            requester=cast.wcc_staff,
            answers={"Start date": "2027-01-04", "Size": "13"},
        )
        start = datetime.datetime(2030, 3, 5, 19, tzinfo=datetime.UTC)
        change = ChangeRequest(
            title="Mail server patch",
            service=Service.objects.get_or_create(name="Email")[0],
            planned_start=start,
            planned_end=start + datetime.timedelta(hours=2),
        )
        with transaction.atomic():
            changes.number(change, cast.agent)
            change.save()
            set_audience(change, [cast.wcc, cast.rbkc])
    link = f"{change.get_absolute_url()}link_ticket/"
    token = catalogue.approval_token(ticket, cast.wcc_lead)
    asker = client_for(cast.wcc_staff)
    anyone = client_for(None)
    ask = f"/request-items/{item.pk}/request/"
    return [
        ("request form", lambda: asker.get(ask)),
        ("request form, errors", lambda: asker.post(ask, {"answer_1": "soon"})),
        ("approval link", lambda: anyone.get(f"/approvals/{token}/")),
        (
            "approval link, errors",
            lambda: anyone.post(f"/approvals/{token}/", {"decision": "reject", "comment": "\x07"}),
        ),
        ("approval link, refused", lambda: anyone.get("/approvals/not-a-token/")),
        ("portal", lambda: asker.get("/portal/", {"q": "laptop"})),
        ("console", lambda: client_for(cast.agent).get("/console/", {"view": "open"})),
        ("console, errors", lambda: client_for(cast.agent).get("/console/", {"priority": "9"})),
        ("portal, report", lambda: asker.get("/portal/report/")),
        ("portal, report, errors", lambda: asker.post("/portal/report/", {"urgency": "9"})),
        ("portal, look first", lambda: asker.post("/portal/report/", {"suggest": "1"})),
        ("change, link a ticket", lambda: client_for(cast.agent).get(change.get_absolute_url())),
        (
            "change, link a ticket, errors",
            lambda: client_for(cast.agent).post(link, {"ticket": "", "council": "x"}),
        ),
    ]
