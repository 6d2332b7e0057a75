"""The built wheel runs outside the checkout (issue 10, item 8).

The wheel is built from a copy of the source tree, installed alone (``--no-deps``) into a fresh
virtual environment whose only other path is the project venv's site-packages (for the
dependencies, without the editable install's hook), and `motcua init-db && motcua seed-demo` run
in an empty folder with no MOTCUA_CONFIG: the defaults and the demo procedure library must come
from the package, the database from ./instance of that folder.
"""
from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import sysconfig
from pathlib import Path

import yaml

from motcua.config import ROOT

# Build products and local state that a wheel must not depend on.
_NOT_SOURCE = shutil.ignore_patterns(".git", ".venv", "build", "dist", "*.egg-info", "instance", "__pycache__",
                                     ".pytest_cache", ".hypothesis", "*.sqlite", "*.sqlite-*")


def _run(args, *, cwd, env=None, timeout=180):
    done = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{args}\n{done.stdout}\n{done.stderr}"
    return done


def _wheel(tmp_path: Path) -> Path:
    source = tmp_path / "src"
    shutil.copytree(ROOT, source, ignore=_NOT_SOURCE, symlinks=True)  # a fresh tree: no stale build/
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w",
          tmp_path / "dist", source], cwd=tmp_path)
    (wheel,) = (tmp_path / "dist").glob("motcua-*.whl")
    return wheel


def _venv_with(wheel: Path, where: Path) -> Path:
    _run([sys.executable, "-m", "venv", "--without-pip", where], cwd=where.parent)
    python = where / "bin" / "python"
    site = _run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], cwd=where).stdout.strip()
    # a plain path line: the project venv's .pth files (the editable install of motcua) stay inactive
    (Path(site) / "motcua-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    _run([sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "-q", wheel], cwd=where.parent)
    return where / "bin"


def test_wheel_initialises_and_seeds_the_demo_province_from_another_folder(tmp_path):
    bin_dir = _venv_with(_wheel(tmp_path), tmp_path / "venv")
    work = tmp_path / "elsewhere"
    work.mkdir()
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("MOTCUA_") and k not in ("DATABASE_URL", "PYTHONPATH", "VIRTUAL_ENV")}
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"

    where = _run([bin_dir / "python", "-c", "import motcua, engine, api; print(motcua.__file__, api.__file__)"],
                 cwd=work, env=env).stdout
    assert str(ROOT) not in where and str(tmp_path / "venv") in where  # the wheel's code, not the checkout's

    _run(["motcua", "init-db"], cwd=work, env=env)
    seeded = _run(["motcua", "seed-demo"], cwd=work, env=env)
    assert "motcua-demo" in seeded.stdout

    database = work / "instance" / "motcua.sqlite"
    assert database.is_file()
    library = sorted(yaml.safe_load((p / "manifest.yaml").read_text(encoding="utf-8"))["code"]
                     for p in (ROOT / "bpmn").iterdir() if (p / "process.bpmn").is_file())
    with sqlite3.connect(database) as conn:
        published = [row[0] for row in conn.execute(
            "SELECT p.code FROM procedures p JOIN procedure_versions v ON v.procedure_id = p.id "
            "AND v.version = p.latest_version ORDER BY p.code")]
        admins = conn.execute("SELECT count(*) FROM users WHERE username = 'admin'").fetchone()[0]
    assert library and published == library
    assert admins == 1

    # the installed configuration is the repository's config.yaml, and a deployment file is merged over it
    (work / "site.yaml").write_text("office_hours:\n  cutoff: \"14:00\"\n", encoding="utf-8")
    code = ("from motcua.config import load_settings; s = load_settings(); "
            "print(s.section('office_hours')['cutoff'], s.section('scheduler')['reports_interval'], s.database_url)")
    shown = _run([bin_dir / "python", "-c", code], cwd=work, env={**env, "MOTCUA_CONFIG": "site.yaml"}).stdout.split()
    documented = yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))
    assert shown == ["14:00", str(documented["scheduler"]["reports_interval"]), f"sqlite:///{database}"]
