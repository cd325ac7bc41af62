"""Finance API endpoints: recharge runs, statements and the apportion calculator."""

from typing import Any

routes: list[Any] = []
urlpatterns: list[Any] = []
