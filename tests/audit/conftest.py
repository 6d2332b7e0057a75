"""Fixtures the audit tests share: the test procedure published, signed-in clients (defined
with the replay tests, tests/audit/test_replay.py)."""
from tests.audit.test_replay import login, simple  # noqa: F401 - pytest fixtures
