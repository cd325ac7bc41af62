"""Configuration fails closed: production unless development is asked for; a protection
switched off in production is reported at start-up; the proxy's headers are believed only when
named.

Settings are read once, when the module is imported, so each case imports them in a fresh
Python process with the environment it needs.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.test import override_settings

from core.checks import check_https_protections
from core.testing.migrated import fresh_env, run_python

BASE_DIR = Path(__file__).resolve().parents[2]
SECRET = "x7#Qm2!vR9pL4zT8wK1nB6yH3sD5fG0jC2eA7uI9oP4lM8qW1rE6tY3"
HOSTS = "concord.example.gov.uk"


def clean_env(**variables: str) -> dict[str, str]:
    """The environment of a fresh process with no Concord or Django setting but `variables`."""
    env = fresh_env()
    env.update(DJANGO_SETTINGS_MODULE="concord.settings", CONCORD_VAR_DIR=str(BASE_DIR / "var"))
    env.update(variables)
    return env


def read_settings(env: dict[str, str], *names: str, before: str = "pass") -> list[str]:
    """The values of settings `names`, printed by a fresh process (after running `before`)."""
    script = (
        f"{before}; import django; django.setup(); from django.conf import settings as s; "
        f"print(*[repr(getattr(s, n, None)) for n in {list(names)!r}], sep='|')"
    )
    result = run_python(["-c", script], env)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().split("|")


# Production unless development is asked for ----------------------------------------------------


def test_with_no_environment_named_concord_runs_as_production():
    env = clean_env(CONCORD_SECRET_KEY=SECRET, CONCORD_ALLOWED_HOSTS=HOSTS)
    values = read_settings(env, "CONCORD_ENV", "PRODUCTION", "DEBUG", "SECURE_SSL_REDIRECT")
    assert values == ["'production'", "True", "False", "True"]


@pytest.mark.parametrize("command", ["check", "migrate", "makemigrations"])
def test_with_no_environment_named_a_command_refuses_to_start_without_its_secrets(command):
    result = run_python(["manage.py", command], clean_env())
    assert result.returncode != 0
    # Said plainly, with the way to development mode, not as a traceback.
    assert result.stderr.startswith("concord: CONCORD_SECRET_KEY must be set"), result.stderr
    assert "export CONCORD_ENV=development" in result.stderr
    assert "Traceback" not in result.stderr


def test_development_mode_starts_with_nothing_else_set_when_asked_for():
    env = clean_env(CONCORD_ENV="development")
    assert read_settings(env, "PRODUCTION", "DEBUG") == ["False", "True"]


def test_the_test_run_and_the_type_checker_default_to_development():
    # Settings loaded with pytest, or django-stubs' mypy plugin, already imported.
    assert settings.CONCORD_ENV == "development"
    env = clean_env()
    assert read_settings(env, "CONCORD_ENV", before="import pytest") == ["'development'"]
    assert read_settings(env, "CONCORD_ENV", before="import mypy_django_plugin") == [
        "'development'"
    ]


def test_the_makefile_asks_for_development_for_its_developer_targets():
    makefile = (BASE_DIR / "Makefile").read_text()
    line = next(x for x in makefile.splitlines() if "export CONCORD_ENV = development" in x)
    targets = set(line.split(":", 1)[0].split())
    assert {
        "demo",
        "serve",
        "bench",
        "pytest",
        "pin-queries",
        "migrations-check",
        "typecheck",
    } <= targets


# A protection switched off is reported at every start ------------------------------------------


def production(**variables: str) -> dict[str, str]:
    return clean_env(CONCORD_SECRET_KEY=SECRET, CONCORD_ALLOWED_HOSTS=HOSTS, **variables)


@pytest.mark.parametrize(
    ("variable", "value", "check_id", "django_id"),
    [
        ("CONCORD_HSTS_SECONDS", "0", "concord.W001", "security.W004"),
        ("CONCORD_SSL_REDIRECT", "false", "concord.W002", "security.W008"),
    ],
)
def test_a_protection_switched_off_in_production_is_reported_at_start_up(
    variable, value, check_id, django_id
):
    env = production(**{variable: value})
    # Every command and server start runs the ordinary checks: the warning is among them.
    result = run_python(["manage.py", "check"], env)
    assert result.returncode == 0, result.stderr
    output = result.stdout + result.stderr
    assert check_id in output and variable in output
    # The deployment check says it once, in Concord's words, not again in Django's.
    result = run_python(["manage.py", "check", "--deploy"], env)
    output = result.stdout + result.stderr
    assert output.count(check_id) == 1 and django_id not in output
    assert "WARNINGS" in output


def test_nothing_is_reported_when_the_protections_are_on_or_in_development():
    assert check_https_protections() == []  # the test run is development
    with override_settings(PRODUCTION=True, SECURE_HSTS_SECONDS=31536000, SECURE_SSL_REDIRECT=True):
        assert check_https_protections() == []
    with override_settings(PRODUCTION=True, SECURE_HSTS_SECONDS=0, SECURE_SSL_REDIRECT=False):
        assert [w.id for w in check_https_protections()] == ["concord.W001", "concord.W002"]


# The proxy's headers are believed only when named ----------------------------------------------

IS_SECURE = (
    "from django.test import RequestFactory; "
    "r = RequestFactory().get('/', HTTP_X_FORWARDED_PROTO='https', secure=False); "
    "print(r.is_secure())"
)


def test_the_proxys_https_header_is_not_believed_by_default():
    env = production()
    assert read_settings(env, "SECURE_PROXY_SSL_HEADER") == ["None"]
    result = run_python(["-c", f"import django; django.setup(); {IS_SECURE}"], env)
    assert result.stdout.strip() == "False", result.stderr


def test_the_proxys_https_header_is_believed_once_named():
    env = production(CONCORD_PROXY_HTTPS_HEADER="X-Forwarded-Proto")
    assert read_settings(env, "SECURE_PROXY_SSL_HEADER") == ["('HTTP_X_FORWARDED_PROTO', 'https')"]
    result = run_python(["-c", f"import django; django.setup(); {IS_SECURE}"], env)
    assert result.stdout.strip() == "True", result.stderr


def test_a_proxy_header_that_is_not_a_header_name_is_refused():
    variable = "CONCORD_PROXY_HTTPS_HEADER"
    result = run_python(["manage.py", "check"], production(**{variable: "true; X-Other"}))
    assert result.returncode != 0
    assert f"{variable} must be the name of one header" in result.stderr


def test_no_proxy_is_trusted_unless_named():
    # Which proxies' X-Forwarded-For is believed (core.tenancy.auth.client_address).
    assert read_settings(production(), "TRUSTED_PROXIES") == ["()"]
    named = production(CONCORD_TRUSTED_PROXIES="10.0.0.5, 192.168.0.0/16,2001:db8::/32")
    assert read_settings(named, "TRUSTED_PROXIES") == [
        "(IPv4Network('10.0.0.5/32'), IPv4Network('192.168.0.0/16'), IPv6Network('2001:db8::/32'))"
    ]


def test_a_trusted_proxy_that_is_not_an_address_is_refused():
    result = run_python(
        ["manage.py", "check"], production(CONCORD_TRUSTED_PROXIES="10.0.0.5,proxy.local")
    )
    assert result.returncode != 0
    assert "CONCORD_TRUSTED_PROXIES must list IP addresses or networks" in result.stderr
    assert "'proxy.local'" in result.stderr


def test_the_old_client_address_header_setting_is_refused_not_ignored():
    result = run_python(
        ["manage.py", "check"], production(CONCORD_PROXY_CLIENT_IP_HEADER="X-Real-IP")
    )
    assert result.returncode != 0
    assert "CONCORD_TRUSTED_PROXIES" in result.stderr
