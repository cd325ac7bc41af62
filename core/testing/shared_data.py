"""Records made once for a module's tests, each test running in a savepoint of them.

Loading the demo takes seconds; a module of tests that only read what it loaded need not load
it once per test. `kept_for_module` makes the records inside a transaction that stays open
for the module's tests: each test's own transaction (pytest-django's ``django_db``, Django's
``TestCase``) is then a savepoint inside it, rolled back after the test as always, so no test
sees another's changes; the module's transaction is rolled back after its last test, so no
later module sees the records. It is what Django's ``TestCase.setUpTestData`` does for a
class, for a pytest module.

Only for tests marked ``django_db`` without ``transaction=True`` (a transactional test
commits, and would empty the tables under the open transaction). With pytest-xdist, each
worker that runs one of the module's tests makes the records once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from django.db import transaction

T = TypeVar("T")


@contextmanager
def kept_for_module(django_db_blocker: Any, make: Callable[[], T]) -> Iterator[T]:
    """What `make()` returns, its records kept until the end of the ``with`` block (a
    module-scoped fixture's life), then rolled back."""
    outer = transaction.atomic()
    with django_db_blocker.unblock():
        outer.__enter__()
        try:
            made = make()
        except BaseException:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            raise
    try:
        yield made
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
