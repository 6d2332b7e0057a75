"""`motcua simulate`: the digital twin runs the real use cases and scheduler under a simulated clock,
gives the same figures for the same seed, and its every dossier's chain verifies."""
from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime

from sqlalchemy import func, select

from motcua.clock import VN_TZ, Clock
from motcua.config import ROOT, load_settings
from motcua.db.migrate import upgrade
from motcua.db.models import Dossier, Event, StepRow
from motcua.platform import build_platform
from motcua.services.audit import verify_all
from motcua.simulation.run import simulate

START = datetime(2026, 11, 25, 0, 0, tzinfo=VN_TZ)  # Wednesday to Friday: three working days


def _run(tmp_path, name, seed):
    url = f"sqlite:///{tmp_path / name}"
    platform = build_platform(load_settings(environ={"DATABASE_URL": url, "MOTCUA_ENV": "test"}), clock=Clock(START))
    upgrade(platform.session_factory.kw["bind"])
    result = simulate(platform, days=3, per_day=6, seed=seed, start=START, progress=False)
    return platform, result


def _stable(result):
    return {k: v for k, v in result.items() if k not in ("wall_seconds", "dossiers_per_second", "steps_per_second")}


def test_same_seed_same_province_and_every_chain_verifies(tmp_path):
    platform, first = _run(tmp_path, "a.sqlite", seed=7)
    _, again = _run(tmp_path, "b.sqlite", seed=7)
    _, other = _run(tmp_path, "c.sqlite", seed=8)
    assert _stable(first) == _stable(again)
    assert _stable(first) != _stable(other)
    f = first["figures"]
    assert f["received"] == 3 * 6 and f["steps"] > f["received"] and f["step_failures"] == 0
    assert f["ticks"] == 3 * 4
    with platform.uow(readonly=True) as uow:
        s = uow.session
        assert s.scalar(select(func.count()).select_from(Dossier)) == f["received"]
        assert s.scalar(select(func.count()).select_from(StepRow).where(StepRow.state == "completed")) == f["steps"]
        kinds = set(s.scalars(select(Event.type).distinct()))
        assert {"received", "step_completed"} <= kinds
    assert set(first["index766"]) == {"2026-11"}
    assert first["index766"]["2026-11"]["indicators"]["2.1"]["rate"] == first["on_time_rate"]
    audit = verify_all(platform)
    assert audit["checked"] == f["received"] and audit["broken"] == []


def test_the_command_prints_the_figures_on_a_fresh_database(tmp_path):
    out = subprocess.run([sys.executable, "-m", "motcua.cli", "simulate", "--days", "1", "--per-day", "4",
                          "--seed", "3", "--start", "2026-11-25T00:00:00+07:00", "--json"],
                         cwd=tmp_path, capture_output=True, text=True, timeout=300,
                         env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "MOTCUA_ENV": "test"})
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result["figures"]["received"] == 4 and "2026-11" in result["index766"]
    assert "Mô phỏng" in out.stderr  # the progress bar
    assert not list(tmp_path.rglob("*.sqlite"))  # never the user's instance database: a temporary one
