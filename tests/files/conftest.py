"""Files tests: the instance folder (and so the file store) in the test's own temporary folder,
and a small upload limit so that "over the limit" stays cheap."""
from __future__ import annotations

import pytest

from motcua.config import load_settings

UPLOAD_LIMIT = 2 * 1024 * 1024


@pytest.fixture
def settings(db_url, tmp_path):
    s = load_settings(environ={"DATABASE_URL": db_url, "MOTCUA_ENV": "test"}, instance=tmp_path / "instance")
    s.raw["limits"]["upload_max_bytes"] = UPLOAD_LIMIT
    return s
