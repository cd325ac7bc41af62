"""Emails where a person must act on procurement: a purchase request awaiting its council's
IT lead's approval, and a call-off held for the shared service's manager because it would
take its framework past the ceiling.

The services queue these once their change is committed (`transaction.on_commit`); each task
runs through the foundation's jobs and checks every person against the one visibility rule at
the moment of sending, so nobody is written to about a record they cannot open.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django_tasks import task

from contracts.procurement import CallOff, PurchaseRequest
from core.context import acting_as
from core.email import automated_email, may_read, send_all
from core.tenancy.choices import CouncilRole, ServiceRole
from core.tenancy.models import Membership
from core.tenancy.scoping import system_scope

logger = logging.getLogger(__name__)


def notify_request_awaiting(request_id: int) -> None:
    """Queue the email to the council's IT leads that a request awaits their approval."""
    send_request_awaiting.enqueue(request_id=request_id)


def notify_call_off_held(call_off_id: int) -> None:
    """Queue the email to the shared service's managers that a call-off is held."""
    send_call_off_held.enqueue(call_off_id=call_off_id)


def _able(people: list[Any], model: Any, pk: int) -> list[Any]:
    """The active people with an address who may open the record now."""
    return [person for person in people if may_read(model, pk, person)]


def _message(subject: str, template: str, context: dict[str, Any], person: Any) -> Any:
    return automated_email(
        subject=subject,
        template=f"contracts/email/{template}",
        context={**context, "person": person},
        to=person.email,
        kind="procurement",
    )


@task()
def send_request_awaiting(request_id: int) -> int:
    """Email the council's IT leads that a purchase request awaits their approval; how many
    were sent."""
    with system_scope("telling leads of a request"), acting_as(label="job:request approval"):
        request = (
            PurchaseRequest.objects.unscoped("a request awaiting approval")
            .select_related("partner", "requester")
            .filter(pk=request_id, status="awaiting_approval")
            .first()
        )
        if request is None:
            return 0
        ids = (
            Membership.objects.unscoped("the council's leads")
            .filter(partner_id=request.partner_id, role=CouncilRole.LEAD)
            .values_list("user_id", flat=True)
        )
        people = list(get_user_model().objects.filter(pk__in=list(ids)).order_by("pk"))
        context = {
            "request": request,
            "url": f"{settings.CONCORD_BASE_URL}{request.get_absolute_url()}",
        }
        subject = f"[{request.reference}] Purchase request awaiting your approval: {request.title}"
        sent = send_all(
            [
                _message(subject, "request_awaiting", context, person)
                for person in _able(people, PurchaseRequest, request.pk)
            ]
        )
        logger.info("request approval: %s email(s) for %s", sent, request.reference)
        return sent


@task()
def send_call_off_held(call_off_id: int) -> int:
    """Email the shared service's managers that a call-off is held for their approval."""
    with system_scope("telling managers of a call-off"), acting_as(label="job:call-off held"):
        call_off = (
            CallOff.objects.unscoped("a call-off held for approval")
            .select_related("partner", "lot__framework", "supplier")
            .filter(pk=call_off_id, status="held")
            .first()
        )
        if call_off is None:
            return 0
        people = list(
            get_user_model().objects.filter(service_role=ServiceRole.MANAGER).order_by("pk")
        )
        from contracts.procurement_services import committed_on

        framework = call_off.lot.framework
        committed = committed_on(framework.pk)
        context = {
            "call_off": call_off,
            "framework": framework,
            "committed": committed,
            "headroom": max(framework.ceiling_value - committed, 0),
            "url": f"{settings.CONCORD_BASE_URL}{call_off.get_absolute_url()}",
        }
        subject = (
            f"[{call_off.reference}] Call-off held: it would take {framework.reference} past "
            "its ceiling"
        )
        sent = send_all(
            [
                _message(subject, "call_off_held", context, person)
                for person in _able(people, CallOff, call_off.pk)
            ]
        )
        logger.info("call-off held: %s email(s) for %s", sent, call_off.reference)
        return sent
