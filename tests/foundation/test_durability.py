"""A half-done instance survives the process: a new application process continues it."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

from motcua.config import ROOT
from tests.foundation.helpers import complete_current, publish_simple, receive_simple

CHILD = textwrap.dedent("""
    import json, sys
    from datetime import datetime
    from motcua.clock import Clock, VN_TZ
    from motcua.config import load_settings
    from motcua.platform import build_platform
    from tests.foundation.helpers import complete_current

    clock = Clock(); clock.freeze(datetime.fromisoformat(sys.argv[2]))
    platform = build_platform(load_settings(), clock=clock)
    view = complete_current(platform, sys.argv[1], "minhxuan.specialist",
                            {"decision": "approve", "opinion": "Đủ điều kiện"})
    print(json.dumps({"status": view["status"], "steps": [s["name"] for s in view["current_steps"]]}))
""")


def test_new_process_continues_a_half_done_instance(people, db_url, clock):
    platform = people
    publish_simple(platform)
    dossier = receive_simple(platform)
    complete_current(platform, dossier["code"], "minhxuan.receiver", {"checked": True})
    platform.session_factory.kw["bind"].dispose()  # this process lets go of the database

    env = {**os.environ, "DATABASE_URL": db_url, "MOTCUA_ENV": "test", "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", CHILD, dossier["code"], clock.now().isoformat()],
                         env=env, capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    child = json.loads(out.stdout.strip().splitlines()[-1])
    assert child == {"status": "processing", "steps": ["Phê duyệt"]}

    # and back in this process, the leader finishes what the other process left
    done = complete_current(platform, dossier["code"], "minhxuan.leader", {"signed": True})
    assert done["status"] == "done"
