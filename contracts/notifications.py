"""Emails about contracts: the reminder that a notice deadline or an end date is near.

`contracts.jobs.send_reminders` records each reminder due and, once that is committed,
queues `send_contract_reminder` for it (through the foundation's jobs). Who is told: the
contract owner and the IT leads of each council that owns (or co-owns) the contract. Each is
checked against the one visibility rule at the moment of sending
(`Contract.objects.visible_to`), so another council's people are never written to.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.utils import timezone
from django_tasks import task

from contracts import services
from contracts.choices import ReminderKind
from contracts.models import Contract, ContractReminder
from core.context import acting_as
from core.email import automated_email, may_read, send_all
from core.queueing import queue_after_commit
from core.tenancy.choices import CouncilRole
from core.tenancy.models import Membership
from core.tenancy.scoping import system_scope

logger = logging.getLogger(__name__)


def notify(reminder: ContractReminder) -> None:
    """Queue the email of `reminder`, once the change is committed."""
    reminder_id = reminder.pk
    queue_after_commit(send_contract_reminder, reminder_id=reminder_id)


def recipients(contract: Contract) -> list[Any]:
    """The contract owner and the owning councils' leads: active, with an address, able to
    read the contract now."""
    User = get_user_model()
    ids = [contract.owner_id] if contract.owner_id else []
    ids += list(
        Membership.objects.unscoped("the leads of a contract's councils")
        .filter(partner_id__in=contract.owning_partner_ids(), role=CouncilRole.LEAD)
        .order_by("user_id")
        .values_list("user_id", flat=True)
    )
    people = User.objects.in_bulk(list(dict.fromkeys(ids)))
    told = []
    for pk in dict.fromkeys(ids):
        person = people.get(pk)
        if may_read(Contract, contract.pk, person):
            told.append(person)
    return told


def message_for(reminder: ContractReminder, person: Any) -> EmailMultiAlternatives:
    contract = reminder.contract
    today = timezone.localdate()
    what = (
        "the last day to give notice"
        if reminder.kind == ReminderKind.NOTICE_DEADLINE
        else "the end of its term"
    )
    context = {
        "contract": contract,
        "person": person,
        "reminder": reminder,
        "what": what,
        "days": (reminder.due_on - today).days,
        "dates": services.dates(contract, today),
        "url": f"{settings.CONCORD_BASE_URL}{contract.get_absolute_url()}",
    }
    return automated_email(
        subject=f"[{contract.reference}] {contract.title}: {what} is {reminder.due_on:%d %B %Y}",
        template="contracts/email/reminder",
        context=context,
        to=person.email,
        kind="contract",
        headers={"X-Concord-Contract": contract.reference},
    )


@task()
def send_contract_reminder(reminder_id: int) -> int:
    """Send one reminder's emails; how many were sent."""
    with (
        system_scope("reminding people of a contract date"),
        acting_as(label="job:contract reminder"),
    ):
        reminder = (
            ContractReminder.objects.unscoped("a contract's reminder")
            .select_related("contract", "contract__supplier")
            .filter(pk=reminder_id)
            .first()
        )
        if reminder is None:
            return 0
        messages = [message_for(reminder, person) for person in recipients(reminder.contract)]
        if not messages:
            return 0
        sent = send_all(messages)
        logger.info("contract reminder: %s email(s) for %s", sent, reminder.contract.reference)
        return int(sent)
