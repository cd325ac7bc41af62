"""Test support every app reuses.

- `core.testing.cast`: the shared cast (councils, their people, the shared-service staff).
- `core.testing.families`: `ModelFamily`, the generic page and API tests a model gets by
  declaring a small class (a package: a base, and the tests of each concern as a mixin).
- `core.testing.browser`: launching Debian's headless chromium for Playwright tests.
- `core.testing.sample`: a test-only app (one record of each kind) that core's own tests run
  on, installed by concord/test_settings.py only.
"""
