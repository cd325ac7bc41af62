"""The `concord` commands: demo, serve, worker and partner."""

from __future__ import annotations

import datetime
import io
from typing import Any

import pytest
from django.apps import apps
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.test import RequestFactory, override_settings
from django.utils import timezone
from django_tasks import task

from core.models import ChangeRecord
from core.prompt_server import PromptWSGIServer
from core.tenancy.models import Membership, Partner, User
from core.tenancy.scoping import system_scope
from core.testing.sample.models import Room

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_folder")]


def run(*args: str) -> str:
    """Run a command and return what it printed."""
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def changes(label: str) -> list[ChangeRecord]:
    return list(ChangeRecord.objects.unscoped("test").filter(actor_label=label))


def sign_in(username: str, password: str) -> Any:
    request = RequestFactory().post("/sign-in/")
    return authenticate(request, username=username, password=password)


# concord demo ------------------------------------------------------------------------------


def test_demo_calls_other_apps_loaders_with_the_councils(monkeypatch):
    from core.tenancy.scoping import in_system_scope

    calls: list[tuple[list[str], bool]] = []

    def loader(run: Any) -> None:
        calls.append((sorted(run.partners), in_system_scope()))
        run.created["widgets"] += 2

    from partners.demo import load_demo_data as load_councils

    monkeypatch.setattr("core.demo.app_loaders", lambda: [load_councils, loader])
    out = run("demo")
    assert calls == [(["lbhf", "rbkc", "wcc"], True)]
    assert "2 widgets" in out


def test_app_demo_loaders_are_found_and_callable():
    from core.demo import app_loaders

    assert all(callable(loader) for loader in app_loaders())


def test_demo_through_an_app_loads_the_apps_before_it_and_no_later_one():
    from core.demo import app_loaders, loaders_through

    every = [loader.__module__ for loader in app_loaders()]
    assert [loader.__module__ for loader in loaders_through("estate")] == every[
        : every.index("estate.demo") + 1
    ]
    assert loaders_through("reporting") == app_loaders()
    out = run("demo", "--through", "estate")
    assert "Demo partnership loaded" in out
    with system_scope("test"):
        assert Partner.objects.filter(code="wcc").exists()
        assert apps.get_model("estate", "Site").objects.exists()
        # The desk comes after the estate: none of its records.
        assert not apps.get_model("servicedesk", "Ticket").objects.exists()


def test_demo_through_refuses_an_unknown_app_or_one_without_a_demo():
    with pytest.raises(CommandError, match="No app is labelled 'nowhere'"):
        run("demo", "--through", "nowhere")
    with pytest.raises(CommandError, match="'tenancy' has no demo story"):
        run("demo", "--through", "tenancy")
    assert not User.objects.filter(username="wcc.lead").exists()


# concord serve -----------------------------------------------------------------------------


@pytest.fixture
def runserver_calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, ...]]:
    calls: list[tuple[Any, ...]] = []

    def fake_call_command(name: Any, *args: Any, **kwargs: Any) -> None:
        calls.append((name, args, kwargs))

    monkeypatch.setattr("core.management.commands.serve.call_command", fake_call_command)
    monkeypatch.delenv("RUN_MAIN", raising=False)
    return calls


def test_serve_runs_the_development_server_on_localhost_by_default(runserver_calls):
    out = run("serve")
    assert "http://127.0.0.1:8000/" in out
    ((command, args, kwargs),) = runserver_calls
    # runserver as the installed apps define it, through the server without Nagle's wait.
    assert command.__module__ == "whitenoise.runserver_nostatic.management.commands.runserver"
    assert command.server_cls is PromptWSGIServer
    assert args == ("127.0.0.1:8000",)
    assert kwargs["use_reloader"] is True


def test_serve_passes_the_address_and_options_through(runserver_calls):
    out = run("serve", "0.0.0.0:9000", "--noreload", "--nothreading")
    assert "http://127.0.0.1:9000/" in out
    ((_, args, kwargs),) = runserver_calls
    assert args == ("0.0.0.0:9000",)
    assert kwargs["use_reloader"] is False
    assert kwargs["use_threading"] is False
    assert "http://127.0.0.1:8123/" in run("serve", "8123")


def test_serve_refuses_a_bad_address(runserver_calls):
    with pytest.raises(CommandError, match="not an address and port"):
        run("serve", "here:there")
    assert runserver_calls == []


def test_static_files_are_served_by_whitenoise_from_the_finders(settings):
    # `concord serve` relies on WhiteNoise (not runserver's static view) in development.
    assert "whitenoise.runserver_nostatic" in settings.INSTALLED_APPS
    assert "whitenoise.middleware.WhiteNoiseMiddleware" in settings.MIDDLEWARE
    assert settings.WHITENOISE_USE_FINDERS is True


# concord worker ----------------------------------------------------------------------------

WORKED: list[str] = []


@task()
def remember(value: str) -> None:
    """A job for the worker test."""
    WORKED.append(value)


def test_worker_explains_when_jobs_run_immediately():
    # The test settings run jobs at once, so there is no queue for a worker.
    with pytest.raises(CommandError, match="not kept in the database"):
        run("worker", "--batch")


@pytest.mark.django_db(transaction=True)
def test_worker_runs_queued_jobs_then_stops_with_batch():
    WORKED.clear()
    with override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}):
        remember.using().enqueue("queued")
        assert WORKED == []
        run("worker", "--batch", "--no-startup-delay", "--no-reload")
    assert WORKED == ["queued"]


# concord partner ---------------------------------------------------------------------------


def test_partner_add_creates_the_council_and_its_people(cast):
    out = run(
        "partner", "add", "bark",
        "--name", "London Borough of Barking and Dagenham",
        "--gss", "e09000002",
        "--nation", "eng",
        "--joined", "2024-04-01",
        "--person", "bark.lead:lead:it.lead@bark.example",
        "--person", "bark.staff:requester",
    )  # fmt: skip
    assert "Added London Borough of Barking and Dagenham (bark)" in out
    with system_scope("test"):
        bark = Partner.objects.get(code="bark")
        assert bark.gss_code == "E09000002"
        assert bark.joined_on == datetime.date(2024, 4, 1)
        assert bark.left_on is None
        roles = set(Membership.objects.owned_by(bark).values_list("user__username", "role"))
    assert roles == {("bark.lead", "lead"), ("bark.staff", "requester")}
    lead = User.objects.get(username="bark.lead")
    assert lead.email == "it.lead@bark.example"
    assert not lead.has_usable_password()

    records = changes("command:partner add")
    assert {r.content_type.model for r in records} == {"partner", "user", "membership"}
    assert len(records) == 1 + 2 + 2  # the council, its people's accounts, their roles
    assert {r.actor_id for r in records} == {None}
    accounts = [r for r in records if r.content_type.model == "user"]
    assert {r.object_repr for r in accounts} == {"bark.lead", "bark.staff"}
    with system_scope("test"):
        assert all(r.partners.get() == bark for r in accounts)  # in the new council's log


def test_partner_add_defaults_to_joining_today(cast):
    run("partner", "add", "newb", "--name", "New Borough")
    with system_scope("test"):
        assert Partner.objects.get(code="newb").joined_on == timezone.localdate()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["wcc", "--name", "Another Westminster"], "already exists"),
        (["newb", "--name", "City of Westminster"], "already exists"),
        (["newb", "--name", "New", "--joined", "2024-02-30"], "is not a date"),
        (["newb", "--name", "New", "--joined", "01/04/2024"], "YYYY-MM-DD"),
        (["newb", "--name", "New", "--nation", "FRA"], "is not a nation"),
        (["newb", "--name", "New", "--gss", "X123"], "gss_code"),
        (["New Borough", "--name", "New"], "code"),
        (["newb", "--name", "New", "--person", "a.b:lead", "--person", "a.b:lead"], "twice"),
        (["newb", "--name", "New", "--person", "someone"], "USERNAME:ROLE"),
        (["newb", "--name", "New", "--person", "x.y:boss"], "is not a council role"),
        (["newb", "--name", "New", "--person", "wcc.lead:lead"], "usernames are taken"),
        (["newb", "--name", "New", "--person", "x.y:lead:not-an-email"], "--person x.y"),
    ],
)
def test_partner_add_refuses_bad_input_and_adds_nothing(cast, args, message):
    with system_scope("test"):
        before = Partner.objects.count(), Membership.objects.unscoped("test").count()
    users = User.objects.count()
    with pytest.raises(CommandError, match=message):
        run("partner", "add", *args)
    with system_scope("test"):
        assert (Partner.objects.count(), Membership.objects.unscoped("test").count()) == before
    assert User.objects.count() == users
    assert changes("command:partner add") == []


def test_partner_set_role(cast):
    out = run("partner", "set-role", "wcc.staff", "wcc", "lead", "auditor")
    assert "IT lead" in out
    with system_scope("test"):
        assert set(
            Membership.objects.filter(user=cast.wcc_staff).values_list("role", flat=True)
        ) == {"lead", "auditor"}
    assert changes("command:partner set-role")

    run("partner", "set-role", "wcc.staff", "wcc", "none")
    with system_scope("test"):
        assert not Membership.objects.filter(user=cast.wcc_staff).exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nobody", "wcc", "lead"], "No person has the username"),
        (["wcc.staff", "zzz", "lead"], "No partner has the code"),
        (["wcc.staff", "wcc", "chief"], "is not a council role"),
        (["lbhf.lead", "lbhf", "auditor"], "has left the partnership"),
    ],
)
def test_partner_set_role_refuses_bad_input(cast, args, message):
    with pytest.raises(CommandError, match=message):
        run("partner", "set-role", *args)


def test_partner_leave_ends_its_peoples_sign_in_from_that_day(cast):
    import time_machine

    out = run("partner", "leave", "rbkc", "--on", "2030-03-31")
    assert "leaves on 2030-03-31" in out
    cast.rbkc.refresh_from_db()
    assert cast.rbkc.left_on == datetime.date(2030, 3, 31)
    assert [r.changed_fields for r in changes("command:partner leave")] == [["left_on"]]
    with time_machine.travel(datetime.datetime(2030, 3, 30, 12, tzinfo=datetime.UTC)):
        assert sign_in("rbkc.lead", "concord-test-password") is not None
    with time_machine.travel(datetime.datetime(2030, 3, 31, 12, tzinfo=datetime.UTC)):
        assert sign_in("rbkc.lead", "concord-test-password") is None
    # The same date again is a no-op; another date is refused unless it is a correction.
    assert "nothing to do" in run("partner", "leave", "rbkc", "--on", "2030-03-31")
    with pytest.raises(CommandError, match=r"already has a leaving date, 2030-03-31.*--correct"):
        run("partner", "leave", "rbkc", "--on", "2031-01-01")
    cast.rbkc.refresh_from_db()
    assert cast.rbkc.left_on == datetime.date(2030, 3, 31)


def test_a_wrong_leaving_date_is_corrected_and_a_council_can_rejoin(cast):
    import time_machine

    # lbhf left in 2018: its people cannot sign in and its records are read-only.
    assert sign_in("lbhf.lead", "concord-test-password") is None
    out = run("partner", "leave", "lbhf", "--on", "2031-03-31", "--correct")
    assert "leaves on 2031-03-31" in out
    cast.lbhf.refresh_from_db()
    assert cast.lbhf.left_on == datetime.date(2031, 3, 31)
    assert sign_in("lbhf.lead", "concord-test-password") is not None
    with time_machine.travel(datetime.datetime(2031, 4, 1, 12, tzinfo=datetime.UTC)):
        assert sign_in("lbhf.lead", "concord-test-password") is None

    out = run("partner", "rejoin", "lbhf")
    assert "is a partner again (its leaving date was 2031-03-31)" in out
    cast.lbhf.refresh_from_db()
    assert cast.lbhf.left_on is None
    with time_machine.travel(datetime.datetime(2031, 4, 1, 12, tzinfo=datetime.UTC)):
        assert sign_in("lbhf.lead", "concord-test-password") is not None
    assert "nothing to do" in run("partner", "rejoin", "lbhf")
    # Both changes are in the change log, with the dates before and after.
    [rejoined] = changes("command:partner rejoin")
    assert rejoined.changed_fields == ["left_on"]
    assert (rejoined.before or {}).get("left_on") == "2031-03-31"
    assert (rejoined.after or {}).get("left_on", "missing") is None
    assert [r.changed_fields for r in changes("command:partner leave")] == [["left_on"]]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["zzz", "--on", "2030-01-01"], "No partner has the code"),
        (["wcc", "--on", "tomorrow"], "is not a date"),
        (["wcc", "--on", "2001-01-01"], "cannot leave before"),
    ],
)
def test_partner_leave_refuses_bad_input(cast, args, message):
    with pytest.raises(CommandError, match=message):
        run("partner", "leave", *args)


def test_partner_list_shows_current_and_former_partners(cast):
    out = run("partner", "list")
    lines = out.splitlines()
    assert lines[0].split()[:2] == ["Code", "Name"]
    assert any(line.startswith("lbhf") and "2018-03-31" in line for line in lines)
    assert any(line.startswith("wcc") and "City of Westminster" in line for line in lines)


def test_partner_list_with_no_partners(db):
    assert "No partners yet" in run("partner", "list")


def test_partner_needs_a_subcommand(cast):
    with pytest.raises(CommandError):
        run("partner")


# concord partner export ------------------------------------------------------------------------


def test_partner_export_writes_the_zip_with_a_progress_bar(cast, tmp_path):
    import json
    import zipfile

    with system_scope("test"):
        Room.objects.create(partner=cast.wcc, code="WCH", name="Westminster City Hall")
        Room.objects.create(partner=cast.rbkc, code="KTH", name="Kensington Town Hall")
    out, err = io.StringIO(), io.StringIO()
    target = tmp_path / "wcc.zip"
    call_command("partner", "export", "wcc", "--out", str(target), stdout=out, stderr=err)

    assert "Exported City of Westminster" in out.getvalue()
    assert "Exporting wcc" in err.getvalue()  # tqdm's bar
    with zipfile.ZipFile(target) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        rooms = [json.loads(line) for line in archive.read("sample/room.jsonl").splitlines()]
    assert manifest["partner"]["code"] == "wcc"
    assert [s["name"] for s in rooms] == ["Westminster City Hall"]
    assert not list(tmp_path.glob(".*partial"))


def test_partner_export_refuses_to_overwrite_without_force(cast, tmp_path):
    target = tmp_path / "wcc.zip"
    target.write_bytes(b"keep me")
    with pytest.raises(CommandError, match="--force"):
        run("partner", "export", "wcc", "--out", str(target))
    assert target.read_bytes() == b"keep me"
    run("partner", "export", "wcc", "--out", str(target), "--force")
    assert target.read_bytes().startswith(b"PK")


@pytest.mark.parametrize(
    ("code", "name", "message"),
    [
        ("zzz", "out.zip", "No partner has the code"),
        ("wcc", "out.txt", "should be a .zip"),
        ("wcc", "missing/out.zip", "does not exist"),
    ],
)
def test_partner_export_refuses_bad_input(cast, tmp_path, code, name, message):
    with pytest.raises(CommandError, match=message):
        run("partner", "export", code, "--out", str(tmp_path / name))


def test_a_failed_partner_export_leaves_no_file(cast, tmp_path, monkeypatch):
    def broken(partner: Any, out: Any, progress: Any = None) -> dict[str, Any]:
        with open(out, "wb") as f:
            f.write(b"half a zip")
        raise OSError("disk full")

    monkeypatch.setattr("core.partner_export.export_partner", broken)
    with pytest.raises(OSError, match="disk full"):
        run("partner", "export", "wcc", "--out", str(tmp_path / "wcc.zip"))
    assert list(tmp_path.iterdir()) == []
