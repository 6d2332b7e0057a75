"""The `motcua` command on a fresh database, configuration from the environment, and /health."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest
from click.testing import CliRunner

from motcua.cli import main
from motcua.config import ROOT, ConfigError, load_settings

MOTCUA = [sys.executable, "-m", "motcua.cli"]


def _run(args, db_url, **env):
    full_env = {**os.environ, "DATABASE_URL": db_url, "MOTCUA_ENV": "test", **env}
    return subprocess.run(MOTCUA + args, env=full_env, capture_output=True, text=True, timeout=300, cwd=ROOT)


def test_fresh_database_init_seed_publish_and_deadline(tmp_path):
    url = f"sqlite:///{tmp_path / 'fresh.sqlite'}"
    assert _run(["init-db"], url).returncode == 0
    assert _run(["init-db"], url).returncode == 0  # idempotent
    seeded = _run(["seed-demo"], url)
    assert seeded.returncode == 0, seeded.stderr
    assert "motcua-demo" in seeded.stdout
    out = _run(["publish", "tests/fixtures/simple"], url)
    assert out.returncode == 0, out.stderr
    assert "thu-tuc-thu phiên bản 1" in out.stdout
    # receipt at 15:00 sharp on Thursday 12/02/2026 counts from Friday 13/02 07:30; 3 working days
    # skip Tết (Sat 14/02 – Sun 22/02) and end at 17:00 on Tuesday 24/02.
    out = _run(["calendar", "deadline", "--office", "UBND.MINHXUAN", "--start", "2026-02-12T15:00:00+07:00",
                "--days", "3", "--explain"], url)
    assert out.returncode == 0, out.stderr
    assert "clock_start: 2026-02-13T07:30:00+07:00" in out.stdout
    assert "due_at: 2026-02-24T17:00:00+07:00" in out.stdout
    assert "Tết" in out.stdout


def test_validate_reports_problems_and_exit_code(tmp_path):
    folder = tmp_path / "broken"
    (folder / "forms").mkdir(parents=True)
    src = ROOT / "tests" / "fixtures" / "simple"
    (folder / "manifest.yaml").write_text((src / "manifest.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    for form in (src / "forms").glob("*.json"):
        (folder / "forms" / form.name).write_text(form.read_text(encoding="utf-8"), encoding="utf-8")
    bpmn = (src / "process.bpmn").read_text(encoding="utf-8")
    (folder / "process.bpmn").write_text(bpmn.replace('<spiffworkflow:property name="allotment_days" value="2"/>', ""),
                                          encoding="utf-8")
    result = CliRunner().invoke(main, ["validate", str(folder)])
    assert result.exit_code != 0
    assert "allotment_days" in result.output and "appraise" in result.output

    ok = CliRunner().invoke(main, ["validate", str(src)])
    assert ok.exit_code == 0 and "✓" in ok.output


def test_environment_overrides_config_and_production_refuses_a_fake_clock():
    s = load_settings(environ={"DATABASE_URL": "sqlite:////tmp/x.sqlite", "MOTCUA_ENV": "test",
                               "MOTCUA_CLOCK_START": "2026-11-23T08:00:00+07:00"})
    assert (s.database_url, s.env, s.clock_start) == ("sqlite:////tmp/x.sqlite", "test", "2026-11-23T08:00:00+07:00")
    with pytest.raises(ConfigError):
        load_settings(environ={"MOTCUA_ENV": "production", "MOTCUA_SECRET_KEY": "k",
                               "MOTCUA_CLOCK_START": "2026-11-23T08:00:00+07:00"})


def test_clock_start_moves_the_process_clock(tmp_path):
    code = ("from motcua.config import load_settings; from motcua.platform import build_platform; "
            "p = build_platform(load_settings()); print(p.now().isoformat())")
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'c.sqlite'}", "MOTCUA_ENV": "test",
           "MOTCUA_CLOCK_START": "2030-01-02T08:00:00+07:00"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert out.stdout.startswith("2030-01-02T08:00"), out.stderr


def test_health_reports_database_and_scheduler(client):
    r = client.get("/api/v1/health")
    assert r.status_code == 200
    assert r.get_json() == {"status": "ok", "database": "ok", "scheduler": "stopped"}
