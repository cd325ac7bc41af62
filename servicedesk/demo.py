"""The service desk of the demo partnership: its catalogue, queues and routing, each council's
SLA policies and working calendar, a knowledge base, a problem with its incidents, and a year
of plausible tickets (Hammersmith and Fulham's last year up to its leaving date).

Called by `concord demo` (core.demo.load_demo) after the councils and people exist, inside its
transaction and system scope. The set-up is looked up by name and created when missing; the
history is made once (a council that already has tickets gets none), through the desk's own
services (numbering, routing, SLA clocks, the change log) with the times it happened, and with
no email sent (notifications.paused). The same seed gives the same history.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass
from decimal import Decimal
from email.message import EmailMessage
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from core.context import dated
from core.demo import DemoRun
from core.services import set_audience
from core.tenancy.choices import CouncilRole, ServiceRole
from core.tenancy.models import Membership, User
from servicedesk import change_demo, knowledge, mail_in, notifications, services
from servicedesk.choices import (
    ArticleStatus,
    Impact,
    ProblemStatus,
    Source,
    TicketKind,
    TicketStatus,
    Urgency,
)
from servicedesk.models import (
    DEFAULT_TARGETS,
    Category,
    InboundMail,
    KnowledgeArticle,
    Problem,
    Queue,
    QueueMember,
    RoutingRule,
    Service,
    ServiceCalendar,
    SlaPolicy,
    Ticket,
    TicketComment,
)

LONDON = ZoneInfo("Europe/London")
SEED = 2011

CATEGORIES = (
    ("Hardware", "Laptops, desktops, phones, printers and peripherals."),
    ("Software", "Applications: installing, updating, errors."),
    ("Access", "Accounts, passwords and permissions."),
    ("Network", "Wi-Fi, VPN and the wired network."),
    ("Email", "Mail, calendars and shared mailboxes."),
    ("Telephony", "Desk phones, mobiles and the contact centre."),
)

SERVICES = (
    ("Email and calendars", "Exchange Online mailboxes, shared mailboxes and calendars."),
    ("Remote access", "The VPN and remote desktop for staff working away from the office."),
    ("Corporate Wi-Fi", "Staff and guest Wi-Fi in council buildings and libraries."),
    ("Housing management system", "The councils' housing system: rents, repairs, lettings."),
    ("Desktop and devices", "Laptops, desktops, monitors and docking stations."),
    ("Printing", "Multi-function printers and print release."),
    ("Telephony", "Desk phones, softphones and mobiles."),
    ("Identity and access", "Accounts, passwords, multi-factor sign-in and permissions."),
)

QUEUES = (
    ("First line", "Everything new that no rule routes elsewhere."),
    ("Desktop", "Devices, printing and desktop software."),
    ("Network", "Wi-Fi, VPN and the wired network."),
    ("Applications", "Line-of-business applications such as the housing system."),
    ("Security", "Accounts, access and anything that looks like an attack."),
)

# (order, name, queue, subject words, service)
ROUTING = (
    (10, "Phishing and security words", "Security", "phishing, suspicious, virus, hacked", ""),
    (20, "Network words", "Network", "vpn, wifi, wi-fi, network, internet", ""),
    (30, "Printing", "Desktop", "printer, printing, toner, scanner", ""),
    (40, "The housing system", "Applications", "", "Housing management system"),
    (50, "Accounts and passwords", "Security", "password, locked, account, mfa", ""),
    (60, "Devices", "Desktop", "laptop, monitor, keyboard, mouse, dock", ""),
)


@dataclass(frozen=True)
class TicketSpec:
    """A kind of ticket people raise, and how the desk answers it."""

    kind: str
    subject: str
    category: str
    service: str
    impact: int
    urgency: int
    reply: str
    resolution: str
    weight: int = 10


SPECS = (
    TicketSpec(
        TicketKind.INCIDENT,
        "VPN keeps disconnecting when working from home",
        "Network",
        "Remote access",
        Impact.LOW,
        Urgency.MEDIUM,
        "Thanks: could you tell us which VPN client version you have (Help > About)?",
        "Updated the VPN client to the current version; the connection now holds.",
        14,
    ),
    TicketSpec(
        TicketKind.INCIDENT,
        "Locked out of my account",
        "Access",
        "Identity and access",
        Impact.LOW,
        Urgency.HIGH,
        "We have unlocked your account: please try again now.",
        "Account unlocked and the password reset link sent.",
        16,
    ),
    TicketSpec(
        TicketKind.INCIDENT,
        "Printer on floor 3 shows a paper jam",
        "Hardware",
        "Printing",
        Impact.MEDIUM,
        Urgency.LOW,
        "An engineer will look at the printer this afternoon.",
        "Cleared the jam and replaced the worn pick-up roller.",
        10,
    ),
    TicketSpec(
        TicketKind.INCIDENT,
        "Housing system very slow when saving a repair",
        "Software",
        "Housing management system",
        Impact.MEDIUM,
        Urgency.MEDIUM,
        "We can see the slowness on the application server and are looking into it.",
        "A stuck report job was using the database; it has been stopped and rescheduled.",
        6,
    ),
    TicketSpec(
        TicketKind.INCIDENT,
        "No Wi-Fi in the library reading room",
        "Network",
        "Corporate Wi-Fi",
        Impact.MEDIUM,
        Urgency.MEDIUM,
        "We are checking the access points in the reading room.",
        "An access point had lost power; the switch port was reset.",
        6,
    ),
    TicketSpec(
        TicketKind.INCIDENT,
        "Shared mailbox not showing in Outlook",
        "Email",
        "Email and calendars",
        Impact.LOW,
        Urgency.LOW,
        "Please close and reopen Outlook: we have re-added your access.",
        "Mailbox permission re-applied; it appears after Outlook restarts.",
        8,
    ),
    TicketSpec(
        TicketKind.INCIDENT,
        "Suspicious email asking me to confirm my password",
        "Email",
        "Identity and access",
        Impact.MEDIUM,
        Urgency.HIGH,
        "Thank you for reporting it: do not click the link. We are blocking the sender.",
        "Sender blocked, the message removed from every mailbox; nobody entered a password.",
        4,
    ),
    TicketSpec(
        TicketKind.INCIDENT,
        "Desk phone has no dial tone",
        "Telephony",
        "Telephony",
        Impact.LOW,
        Urgency.MEDIUM,
        "Could you check the cable is in the port marked LAN?",
        "The phone's network cable was in the PC port; moved and working.",
        5,
    ),
    TicketSpec(
        TicketKind.INCIDENT,
        "Contact centre phones down",
        "Telephony",
        "Telephony",
        Impact.HIGH,
        Urgency.HIGH,
        "We know: the carrier has a fault and we are on to them.",
        "The carrier restored the SIP trunk; calls are flowing again.",
        1,
    ),
    TicketSpec(
        TicketKind.REQUEST,
        "New starter laptop",
        "Hardware",
        "Desktop and devices",
        Impact.LOW,
        Urgency.LOW,
        "We have a laptop ready: when does your new starter begin?",
        "Laptop built, enrolled and handed over with the starter pack.",
        10,
    ),
    TicketSpec(
        TicketKind.REQUEST,
        "Install Adobe Acrobat Pro",
        "Software",
        "Desktop and devices",
        Impact.LOW,
        Urgency.LOW,
        "We have asked your manager to confirm the licence.",
        "Licence assigned and Acrobat Pro installed.",
        8,
    ),
    TicketSpec(
        TicketKind.REQUEST,
        "Access to the housing system for a new officer",
        "Access",
        "Housing management system",
        Impact.LOW,
        Urgency.MEDIUM,
        "Which role should they have: lettings, repairs or rents?",
        "Account created with the lettings officer role.",
        7,
    ),
    TicketSpec(
        TicketKind.REQUEST,
        "Second monitor for my desk",
        "Hardware",
        "Desktop and devices",
        Impact.LOW,
        Urgency.LOW,
        "A monitor is on its way to your floor.",
        "Monitor delivered and connected.",
        5,
    ),
)

#: Each council's people who raise tickets (beside the demo accounts), and its history.
REQUESTERS: dict[str, tuple[str, ...]] = {
    "wcc": ("Aisha Khan", "Ben Carter", "Chloe Martin", "Daniel Brown", "Ella Green",
            "Farah Malik", "George Hall", "Hannah Scott", "Isaac Lewis", "Jade Walker"),
    "rbkc": ("Kofi Mensah", "Laura Bell", "Mohammed Aziz", "Nina Price", "Oliver King",
             "Poppy Ward", "Rahul Mehta", "Sophie Adams", "Theo Baker", "Zara Hussain"),
    "lbhf": ("Amelia Ross", "Callum Hughes", "Dev Sharma", "Eve Foster", "Femi Adeyemi",
             "Lily Turner"),
}  # fmt: skip

#: The shared service's people who work tickets beside `agent` (no demo sign-in).
RESOLVERS = (
    ("resolver.network", "Nadia", "Osei", "Network"),
    ("resolver.apps", "Liam", "Byrne", "Applications"),
    ("resolver.desktop", "Maya", "Fox", "Desktop"),
)

#: Tickets per council over its year (settings.CONCORD_DEMO_HISTORY_PERCENT scales them).
VOLUME = {"wcc": 1000, "rbkc": 800, "lbhf": 400}

ARTICLES = (
    (
        "Resetting your password",
        "How to choose a new password, or get one reset if you are locked out.",
        "password, locked out, account, sign in",
        "Identity and access",
        None,
        "Go to the sign-in page and choose “Forgotten password”.\n\n"
        "- Enter your work email address\n- Follow the link in the email within 15 minutes\n"
        "- Choose a password of at least 12 characters\n\n"
        "Still locked out? Raise a ticket and the desk will unlock your account.",
    ),
    (
        "Connecting to the VPN from home",
        "Working from home or a library: connect to the council network safely.",
        "vpn, remote access, home working, disconnecting",
        "Remote access",
        None,
        "Open the VPN client from the Start menu and sign in with your work account.\n\n"
        "If it keeps disconnecting:\n- Check you have the current client (Help > About)\n"
        "- Move closer to your router, or use a cable\n- Restart the laptop once\n\n"
        "Known issue: some home routers drop the VPN every 30 minutes; the desk has a fix.",
    ),
    (
        "Reporting a suspicious email",
        "What to do with an email that asks for your password or looks wrong.",
        "phishing, suspicious, spam, scam",
        "Email and calendars",
        None,
        "Do not click links or open attachments in it.\n\n"
        "- Use the “Report message” button in Outlook\n- Then delete it\n\n"
        "If you already entered your password, raise an urgent ticket straight away.",
    ),
    (
        "Printing at City Hall with print release",
        "Send to the follow-me queue and collect at any printer in City Hall.",
        "printer, printing, print release, follow me",
        "Printing",
        "wcc",
        "Print to “CityHall-FollowMe”, then tap your pass on any City Hall printer.\n\n"
        "Jobs you do not collect are deleted after 24 hours.",
    ),
    (
        "Town Hall guest Wi-Fi for visitors",
        "Giving a visitor a day's Wi-Fi access at Kensington Town Hall.",
        "wifi, wi-fi, guest, visitor",
        "Corporate Wi-Fi",
        "rbkc",
        "Reception issues guest codes valid for one day.\n\n"
        "- Network: RBKC-Guest\n- Ask reception for the code of the day",
    ),
    (
        "Requesting a new starter's laptop",
        "Order a laptop two weeks before your new starter begins.",
        "new starter, laptop, joiner, onboarding",
        "Desktop and devices",
        None,
        "Raise a service request “New starter laptop” at least 10 working days before they "
        "start, with their name, team and start date.",
    ),
    (
        "Housing system: saving repairs is slow",
        "A workaround while the desk fixes slow saves in the housing system.",
        "housing, repairs, slow, saving",
        "Housing management system",
        None,
        "Save the repair once and wait: pressing Save again creates a duplicate.\n\n"
        "The desk is working on the cause (problem PRB0000001).",
    ),
)


def load_demo_data(run: DemoRun) -> None:
    """The desk's set-up, knowledge base, request catalogue, a problem, a year of tickets for
    each council, and catalogue requests waiting for, given and refused approval."""
    with notifications.paused():
        catalogue = _load_catalogue(run)
        staff = _load_staff(run, catalogue["queues"])
        _load_service_levels(run)
        _load_articles(run, catalogue["services"])
        items = _load_request_items(run, catalogue)
        problem = _load_problem(run, catalogue["services"])
        for partner in run.partners.values():
            _load_history(run, partner, catalogue, staff, problem)
            if partner.left_on is not None:
                _hand_over(partner, _window(partner)[1])
        for partner in run.partners.values():
            if not partner.has_left():
                _load_requests(run, partner, items, staff)
        change_demo.load_change_requests(run)
        _load_mail(run)


# Inbound mail -------------------------------------------------------------------------------

#: The desk's address in the demo's mail (`.example`: reserved, it reaches nobody).
DEMO_DESK = "servicedesk@concord-demo.example"


def _demo_mail(sender: str, subject: str, body: str, number: int, **headers: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = DEMO_DESK
    message["Subject"] = subject
    message["Message-ID"] = f"<demo-{number}@mail.concord-demo.example>"
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(body)
    return message


def _load_mail(run: DemoRun) -> None:
    """This morning's inbound mail, taken in as the SMTP listener takes it
    (servicedesk.mail_in): a new ticket from Westminster's requester and their reply threaded
    onto it, an out-of-office ignored, a mail from an address nobody has held for the desk,
    and a reply with no words failed with its reason. Once: not when the desk has mail."""
    if InboundMail.objects.unscoped("demo").exists():
        return
    person = User.objects.filter(username="wcc.staff", is_active=True).first()
    if person is None or not person.email:
        return
    subject = "Docking station not charging my laptop"
    first = _take(
        _demo_mail(
            person.email,
            subject,
            "Since this morning my laptop does not charge on the docking station at my desk "
            "(3rd floor, desk 3.14). The screens work.",
            1,
        ),
        person.email,
    )
    taken = [first]
    ticket = first.ticket
    if ticket is not None:
        # Their answer to the desk's email about the ticket (threaded by its headers, the
        # quotation cut off), and their out-of-office answering the desk's next one (ignored).
        thread = notifications.thread_id(ticket)
        taken.append(
            _take(
                _demo_mail(
                    person.email,
                    f"Re: [{ticket.reference}] {subject}",
                    "It charges on the docking station at the next desk, so it may be the "
                    "dock.\n\n> Since this morning my laptop does not charge",
                    2,
                    In_Reply_To=thread,
                    References=thread,
                ),
                person.email,
            )
        )
        taken.append(
            _take(
                _demo_mail(
                    person.email,
                    f"Automatic reply: [{ticket.reference}] {subject}",
                    "I am out of the office until Monday.",
                    3,
                    Auto_Submitted="auto-replied",
                    In_Reply_To=thread,
                ),
                person.email,
            )
        )
    stranger = "j.bloggs@mailbox.example"
    taken.append(
        _take(
            _demo_mail(
                stranger,
                "Password reset please",
                "I cannot sign in to my council laptop. I am new in the parking team.",
                4,
            ),
            stranger,
        )
    )
    if ticket is not None:
        # A reply with nothing in it (its text lost to the sender's mail program): failed,
        # with the reason, for the desk to look at.
        empty = _demo_mail(person.email, f"Re: [{ticket.reference}] {subject}", "", 5)
        taken.append(_take(empty, person.email))
    run.created["inbound mail"] += len(taken)


def _take(message: EmailMessage, sender: str) -> InboundMail:
    return mail_in.receive_and_process(
        message.as_bytes(), via="smtp", envelope_from=sender, recipients=[DEMO_DESK]
    )


# Set-up -------------------------------------------------------------------------------------


def _get_or_create(
    run: DemoRun, model: Any, kind: str, lookup: dict[str, Any], **values: Any
) -> Any:
    found = model.objects.unscoped("demo").filter(**lookup).first()
    if found is not None:
        return found
    run.created[kind] += 1
    return model.objects.create(**lookup, **values)


def _load_catalogue(run: DemoRun) -> dict[str, dict[str, Any]]:
    categories = {
        name: _get_or_create(run, Category, "categories", {"name": name}, description=text)
        for name, text in CATEGORIES
    }
    services_ = {
        name: _get_or_create(run, Service, "services", {"name": name}, description=text)
        for name, text in SERVICES
    }
    queues = {
        name: _get_or_create(run, Queue, "queues", {"name": name}, description=text)
        for name, text in QUEUES
    }
    for order, name, queue, words, service in ROUTING:
        _get_or_create(
            run,
            RoutingRule,
            "routing rules",
            {"name": name},
            order=order,
            queue=queues[queue],
            subject_words=words,
            service=services_[service] if service else None,
        )
    return {"categories": categories, "services": services_, "queues": queues}


def _nobodys_password() -> str:
    """No password at all: these people do not sign in to the demo (they are there to raise
    and work its tickets). Django's unusable password, as a person switched off or provisioned
    by SCIM has; hashing a random one each (Argon2, a third of a second) was a third of the
    desk's demo time."""
    return make_password(None)


def _load_staff(run: DemoRun, queues: dict[str, Any]) -> dict[str, Any]:
    """The desk's people: `agent` works every queue; a resolver each specialist queue."""
    agent = User.objects.get(username="agent")
    staff = {"agent": agent}
    for queue in queues.values():
        _get_or_create(run, QueueMember, "queue members", {"queue": queue, "user": agent})
    for username, first, last, queue in RESOLVERS:
        person = User.objects.filter(username=username).first()
        if person is None:
            person = User.objects.create(
                username=username,
                first_name=first,
                last_name=last,
                email=f"{username}@concord-demo.example",
                service_role=ServiceRole.RESOLVER,
                password=_nobodys_password(),
            )
            run.created["people"] += 1
        staff[queue] = person
        _get_or_create(run, QueueMember, "queue members", {"queue": queues[queue], "user": person})
    return staff


def _load_service_levels(run: DemoRun) -> None:
    """Each council's working calendar and SLA policies (Kensington and Chelsea agreed longer
    hours and a tighter P1)."""
    for code, partner in run.partners.items():
        hours: dict[str, Any] = {}
        if code == "rbkc":
            for day in ServiceCalendar.DAYS[:5]:
                hours[f"{day}_opens"] = datetime.time(8)
                hours[f"{day}_closes"] = datetime.time(18)
        _get_or_create(
            run,
            ServiceCalendar,
            "working calendars",
            {"partner": partner, "name": "Office hours"},
            is_default=True,
            **hours,
        )
        for priority, (response, resolution) in DEFAULT_TARGETS.items():
            if code == "rbkc" and priority == 1:
                response, resolution = 1, 3
            _get_or_create(
                run,
                SlaPolicy,
                "SLA policies",
                {"partner": partner, "priority": priority},
                name=f"P{priority} standard",
                response_hours=Decimal(response),
                resolution_hours=Decimal(resolution),
            )


def _load_articles(run: DemoRun, services_: dict[str, Any]) -> None:
    agent = User.objects.get(username="agent")
    for title, summary, keywords, service, council, body in ARTICLES:
        if KnowledgeArticle.objects.unscoped("demo").filter(title=title).exists():
            continue
        article = KnowledgeArticle(
            title=title,
            summary=summary,
            keywords=keywords,
            body=body,
            service=services_[service],
            status=ArticleStatus.PUBLISHED,
            for_all_councils=council is None,
        )
        knowledge.save_article(article, [run.partners[council]] if council else [], by=agent)
        run.created["knowledge articles"] += 1
    if not KnowledgeArticle.objects.unscoped("demo").filter(status=ArticleStatus.DRAFT).exists():
        draft = KnowledgeArticle(
            title="Setting up multi-factor sign-in on a new phone",
            summary="Moving your authenticator app to a new phone.",
            keywords="mfa, authenticator, new phone",
            body="Before you change phones, add the new phone in your security settings.",
            service=services_["Identity and access"],
            status=ArticleStatus.DRAFT,
        )
        knowledge.save_article(draft, list(run.partners.values())[:2], by=agent)
        run.created["knowledge articles"] += 1


def _load_problem(run: DemoRun, services_: dict[str, Any]) -> Problem:
    found = Problem.objects.unscoped("demo").filter(title="Housing system slow to save").first()
    if found is not None:
        return found
    problem = services.raise_problem(
        title="Housing system slow to save",
        description="Saves of repairs take 30 seconds or more at busy times, in every council.",
        service=services_["Housing management system"],
    )
    services.change_problem(
        problem,
        {
            "status": ProblemStatus.KNOWN_ERROR,
            "workaround": "Save once and wait; do not press Save again (it makes duplicates).",
            "root_cause": "",
        },
    )
    run.created["problems"] += 1
    return problem


# (name, description, category, service, questions, needs approval, tasks, council or None)
REQUEST_ITEMS = (
    (
        "New starter laptop",
        "A laptop built, enrolled and ready on a new member of staff's first day. Ask at "
        "least ten working days before they start.",
        "Hardware",
        "Desktop and devices",
        "Name of the new starter | text | required\nStart date | date | required\n"
        "Team | text | required\nLaptop size | choice | required | 13 inch; 15 inch\n"
        "Needs a mobile phone too | yesno | required",
        True,
        "Build the laptop from the standard image\nEnrol it in device management\n"
        "Create the account and mailbox\nHand the laptop over",
        None,
    ),
    (
        "Software install",
        "Software from the approved list installed on your laptop.",
        "Software",
        "Desktop and devices",
        "Software | text | required\nWhy you need it | paragraph | optional",
        False,
        "Check the licence\nInstall the software",
        None,
    ),
    (
        "Access to the housing system",
        "An account on the housing management system, with the role your work needs.",
        "Access",
        "Housing management system",
        "Role | choice | required | Lettings officer; Repairs officer; Rents officer\n"
        "From | date | required\nLine manager's email | email | required",
        True,
        "Create the account with the role\nSend the sign-in details",
        None,
    ),
    (
        "Guest Wi-Fi for an event",
        "Guest Wi-Fi codes for visitors at an event in Kensington Town Hall.",
        "Network",
        "Corporate Wi-Fi",
        "Event | text | required\nDate | date | required\nHow many guests | number | required",
        False,
        "Issue the guest codes",
        "rbkc",
    ),
)


def _load_request_items(run: DemoRun, catalogue: dict[str, dict[str, Any]]) -> list[Any]:
    from servicedesk.models import RequestItem

    items = []
    for name, text, category, service, questions, approval, tasks, council in REQUEST_ITEMS:
        item = RequestItem.objects.unscoped("demo").filter(name=name).first()
        if item is None:
            item = RequestItem.objects.create(
                name=name,
                description=text,
                category=catalogue["categories"][category],
                service=catalogue["services"][service],
                questions=questions,
                needs_approval=approval,
                tasks=tasks,
                for_all_councils=council is None,
            )
            if council is not None:
                set_audience(item, [run.partners[council]])
            run.created["request items"] += 1
        items.append(item)
    return items


def _load_requests(run: DemoRun, partner: Any, items: list[Any], staff: dict[str, Any]) -> None:
    """A few recent catalogue requests in a council: one waiting for its lead, one approved and
    being worked, one refused, one fulfilled (once)."""
    from servicedesk import catalogue
    from servicedesk.models import FulfilmentTask

    if Ticket.objects.unscoped("demo").filter(partner=partner, request_item__isnull=False).exists():
        return
    laptop, software, access = items[0], items[1], items[2]
    lead = User.objects.get(username=f"{partner.code}.lead")
    asker = User.objects.get(username=f"{partner.code}.staff")
    now = timezone.now()
    day = datetime.timedelta(days=1)
    laptop_answers = {
        "Name of the new starter": "Priya Desai",
        "Start date": (now + 14 * day).date().isoformat(),
        "Team": "Housing options",
        "Laptop size": "13 inch",
        "Needs a mobile phone too": "yes",
    }
    # Waiting for the lead's decision.
    with dated(now - day):
        catalogue.raise_request(
            laptop, partner=partner, requester=asker, answers=laptop_answers, opened_at=now - day
        )
    with dated(now - 4 * day):
        approved = catalogue.raise_request(
            access,
            partner=partner,
            requester=asker,
            answers={
                "Role": "Lettings officer",
                "From": (now + 3 * day).date().isoformat(),
                "Line manager's email": f"{partner.code}.lead@concord-demo.example",
            },
            opened_at=now - 4 * day,
        )
    with dated(now - 3 * day):
        catalogue.decide(approved, lead, approve=True, now=now - 3 * day)
        first = FulfilmentTask.objects.unscoped("demo").filter(ticket=approved).order_by("position")
        services.assign(approved, staff["agent"])
    with dated(now - 2 * day):
        catalogue.complete_task(first.first(), staff["agent"], now=now - 2 * day)
    with dated(now - 9 * day):
        refused = catalogue.raise_request(
            laptop,
            partner=partner,
            requester=asker,
            answers={
                **laptop_answers,
                "Name of the new starter": "Sam Lee",
                "Laptop size": "15 inch",
            },
            opened_at=now - 9 * day,
        )
    with dated(now - 8 * day):
        catalogue.decide(
            refused, lead, approve=False, comment="A 13 inch laptop from stock will do.",
            now=now - 8 * day,
        )  # fmt: skip
    with dated(now - 6 * day):
        done = catalogue.raise_request(
            software,
            partner=partner,
            requester=asker,
            answers={"Software": "Adobe Acrobat Pro", "Why you need it": "Editing tenancy forms"},
            opened_at=now - 6 * day,
        )
        services.assign(done, staff["agent"])
    with dated(now - 5 * day):
        tasks = FulfilmentTask.objects.unscoped("demo").filter(ticket=done).order_by("position")
        for task in tasks:
            catalogue.complete_task(task, staff["agent"], now=now - 5 * day)
    run.created["catalogue requests"] += 4


# History ------------------------------------------------------------------------------------


def _requesters(run: DemoRun, partner: Any) -> list[Any]:
    """The council's people who raise tickets: its demo requester and its staff."""
    people = [User.objects.get(username=f"{partner.code}.staff")]
    for name in REQUESTERS.get(partner.code, ()):
        first, last = name.split(" ", 1)
        username = f"{partner.code}.{first.lower()}.{last.lower()}"
        person = User.objects.filter(username=username).first()
        if person is None:
            person = User.objects.create(
                username=username,
                first_name=first,
                last_name=last,
                email=f"{username}@concord-demo.example",
                password=_nobodys_password(),
            )
            Membership.objects.create(user=person, partner=partner, role=CouncilRole.REQUESTER)
            run.created["people"] += 1
        people.append(person)
    return people


def _window(partner: Any) -> tuple[datetime.datetime, datetime.datetime]:
    """The year of a council's history: the last year, or its last year before it left."""
    end = timezone.now()
    if partner.left_on is not None:
        end = datetime.datetime.combine(partner.left_on, datetime.time(17), tzinfo=LONDON)
    return end - datetime.timedelta(days=365), end


def _working_moment(rng: random.Random, start: datetime.datetime, end: datetime.datetime) -> Any:
    """A moment between `start` and `end`, mostly in office hours on a weekday."""
    for _ in range(20):
        moment = start + (end - start) * rng.random()
        local = moment.astimezone(LONDON)
        if (local.weekday() < 5 and 8 <= local.hour < 18) or rng.random() < 0.04:
            return moment
    return moment


def _load_history(
    run: DemoRun, partner: Any, catalogue: dict[str, dict[str, Any]], staff: dict[str, Any],
    problem: Problem,
) -> None:  # fmt: skip
    if Ticket.objects.unscoped("demo").filter(partner=partner).exists():
        return
    rng = random.Random(f"{SEED}:{partner.code}")
    requesters = _requesters(run, partner)
    start, end = _window(partner)
    percent = settings.CONCORD_DEMO_HISTORY_PERCENT
    count = max(1, VOLUME.get(partner.code, 300) * percent // 100)
    moments = sorted(_working_moment(rng, start, end) for _ in range(count))
    weights = [spec.weight for spec in SPECS]
    for opened_at in moments:
        spec = rng.choices(SPECS, weights)[0]
        _one_ticket(run, rng, partner, spec, opened_at, end, requesters, catalogue, staff, problem)


def _hand_over(partner: Any, end: datetime.datetime) -> None:
    """A council that left had its open tickets resolved and closed on its last day: handed
    over to its own IT (the shared service keeps no open work for a former partner)."""
    still_open = (
        Ticket.objects.unscoped("demo")
        .filter(partner=partner)
        .exclude(status__in=[TicketStatus.RESOLVED, TicketStatus.CLOSED])
    )
    with dated(end):
        for ticket in still_open.order_by("pk"):
            services.resolve(
                ticket, f"Handed over to {partner.name}'s own IT service on leaving.", now=end
            )
        for ticket in Ticket.objects.unscoped("demo").filter(
            partner=partner, status=TicketStatus.RESOLVED
        ):
            services.close(ticket, now=end)


def _one_ticket(
    run: DemoRun, rng: random.Random, partner: Any, spec: TicketSpec,
    opened_at: datetime.datetime, end: datetime.datetime, requesters: list[Any],
    catalogue: dict[str, dict[str, Any]], staff: dict[str, Any], problem: Problem,
) -> None:  # fmt: skip
    """One ticket's life, as far as it got by `end` (now, or the day the council left), each
    step's change log entries dated when it happened (core.context.dated)."""
    requester = rng.choice(requesters)
    with dated(opened_at):
        ticket = services.raise_ticket(
            partner=partner,
            requester=requester,
            subject=spec.subject,
            description=f"{spec.subject}. Raised by {requester.get_full_name()}.",
            kind=spec.kind,
            impact=spec.impact,
            urgency=spec.urgency,
            category=catalogue["categories"][spec.category],
            service=catalogue["services"][spec.service],
            source=rng.choice((Source.PORTAL, Source.PORTAL, Source.EMAIL, Source.PHONE)),
            opened_at=opened_at,
        )
    run.created["tickets"] += 1
    times: list[tuple[Any, datetime.datetime]] = []
    worker = staff.get(ticket.queue.name if ticket.queue else "", staff["agent"])
    if rng.random() < 0.6:
        worker = staff["agent"]
    # Most tickets are picked up within the hour; some wait (those breach their response).
    picked = opened_at + datetime.timedelta(minutes=rng.choice((5, 15, 30, 45, 90, 240, 600)))
    if picked >= end:
        return
    with dated(picked):
        services.assign(ticket, worker)
        if problem.service_id == ticket.service_id and ticket.kind == TicketKind.INCIDENT:
            services.link_to_problem(ticket, problem)
        reply = services.comment(ticket, worker, spec.reply, now=picked)
    times.append((reply, picked))
    moment = picked
    if rng.random() < 0.25:
        # The desk asks something and waits for the requester.
        asked = moment + datetime.timedelta(minutes=rng.randint(10, 120))
        if asked >= end:
            _date_comments(times)
            return
        with dated(asked):
            services.move(ticket, TicketStatus.AWAITING_CUSTOMER, now=asked)
        answered = asked + datetime.timedelta(hours=rng.choice((1, 3, 20, 48)))
        if answered >= end:
            _date_comments(times)
            return
        with dated(answered):
            answer = services.comment(
                ticket, requester, "Here is what you asked for. Thanks.", now=answered
            )
        times.append((answer, answered))
        moment = answered
    if rng.random() < 0.3:
        with dated(moment):
            note = services.comment(
                ticket, worker, "Checked the logs; see the resolution.", public=False, now=moment
            )
        times.append((note, moment))
    # Resolved in about twice the target's working hours of wall-clock time: most within their
    # SLA (a working day is a third of a day), a share of them late.
    target = DEFAULT_TARGETS.get(ticket.priority, (4, 24))[1]
    resolved_at = moment + datetime.timedelta(hours=rng.expovariate(1 / (2 * target)))
    if resolved_at >= end:
        _date_comments(times)
        return
    with dated(resolved_at):
        services.resolve(ticket, spec.resolution, now=resolved_at)
    closes = resolved_at + datetime.timedelta(days=7)
    if closes < end:
        with dated(closes):
            services.close(ticket, now=closes)
            if rng.random() < 0.3:
                services.rate(ticket, requester, rng.choice((3, 4, 5, 5, 5)), "")
    _date_comments(times)


def _date_comments(times: list[tuple[Any, datetime.datetime]]) -> None:
    """Date the replies and notes when they were written, not when the demo was loaded (the
    creation time is bookkeeping, not in the change log)."""
    for note, when in times:
        TicketComment.objects.unscoped("demo").filter(pk=note.pk).unlogged(
            "the demo's history is dated when it happened"
        ).update(created_at=when)
