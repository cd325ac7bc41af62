"""A test-only app exercising the three shapes of record, so that core's tests (and the
partners app's) need no domain app.

It is not a domain app: no real settings install it. ``concord/test_settings.py``, which the
test suite runs under, adds it to INSTALLED_APPS. Its models mirror the estate's with neutral
names: `Room` is partner-owned (as ``estate.Site``), `RoomType` a catalogue (as
``estate.SiteType``) and `Pact` co-owned (as ``estate.Agreement``). Being under ``core`` it may
import core freely, and must import no app (core/tests/test_layers.py).
"""
