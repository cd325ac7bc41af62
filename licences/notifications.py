"""Emails about licence agreements: the reminder that one falls due.

`licences.jobs.renewal_reminders` finds the agreements falling due and, once its change is
committed, queues `send_renewal_reminder` for each (through the foundation's jobs). Who is
told: the IT leads and procurement officers of each council that owns (or co-owns) the
agreement, and the shared service's procurement officers and managers. Each is checked against
the one visibility rule at the moment of sending (`LicenceAgreement.objects.visible_to`), so
another council's people are never written to, whatever their role.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.utils import timezone
from django_tasks import task

from core.context import acting_as
from core.email import automated_email, may_read, send_all
from core.queueing import queue_after_commit
from core.tenancy.choices import CouncilRole, ServiceRole
from core.tenancy.models import Membership
from core.tenancy.scoping import system_scope
from licences.models import LicenceAgreement

logger = logging.getLogger(__name__)

#: The council roles told of an agreement falling due.
TOLD_ROLES = (CouncilRole.LEAD, CouncilRole.PROCUREMENT)
#: The shared service's roles told of every agreement falling due.
TOLD_SERVICE_ROLES = (ServiceRole.PROCUREMENT, ServiceRole.MANAGER)


def notify_due(agreement: LicenceAgreement) -> None:
    """Queue the reminder that `agreement` falls due, once the change is committed."""
    agreement_id = agreement.pk
    queue_after_commit(send_renewal_reminder, agreement_id=agreement_id)


def recipients(agreement: LicenceAgreement) -> list[Any]:
    """Who is reminded: the owners' leads and procurement officers and the shared service's
    procurement officers and managers; active, with an address, able to read it now."""
    User = get_user_model()
    ids = list(
        Membership.objects.unscoped("the people of an agreement's councils")
        .filter(partner_id__in=agreement.owning_partner_ids(), role__in=TOLD_ROLES)
        .order_by("user_id")
        .values_list("user_id", flat=True)
    )
    ids += list(
        User.objects.filter(service_role__in=TOLD_SERVICE_ROLES)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    people = User.objects.in_bulk(list(dict.fromkeys(ids)))
    told = []
    for pk in dict.fromkeys(ids):
        person = people.get(pk)
        if not may_read(LicenceAgreement, agreement.pk, person):
            continue
        told.append(person)
    return told


def message_for(agreement: LicenceAgreement, person: Any) -> EmailMultiAlternatives:
    """The reminder to `person` (the caller has checked they may read the agreement)."""
    due = agreement.due_on
    days = (due - timezone.localdate()).days if due else 0
    what = "renews" if agreement.renewal_on else "ends"
    context = {
        "agreement": agreement,
        "person": person,
        "due": due,
        "days": days,
        "what": what,
        "url": f"{settings.CONCORD_BASE_URL}{agreement.get_absolute_url()}",
    }
    return automated_email(
        subject=f"[{agreement.reference}] {agreement.product.name} {what} on {due:%d %B %Y}",
        template="licences/email/renewal",
        context=context,
        to=person.email,
        kind="licence",
        headers={"X-Concord-Licence-Agreement": agreement.reference},
    )


@task()
def send_renewal_reminder(agreement_id: int) -> int:
    """Send the reminders that one agreement falls due; how many were sent."""
    with system_scope("reminding people of a renewal"), acting_as(label="job:renewal reminder"):
        agreement = (
            LicenceAgreement.objects.unscoped("an agreement's reminder")
            .select_related("product")
            .filter(pk=agreement_id)
            .first()
        )
        if agreement is None or agreement.due_on is None:
            return 0
        messages = [message_for(agreement, person) for person in recipients(agreement)]
        if not messages:
            return 0
        sent = send_all(messages)
        logger.info("renewal reminder: %s email(s) for %s", sent, agreement.reference)
        return int(sent)
