"""One set of defaults, configuration and data found without the source tree, and a CLI that only
calls use cases (issue 10, items 8, 2 and 6)."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from sqlalchemy import func, select

from motcua.cli import main
from motcua.config import DEFAULTS_FILE, LIBRARY_DIR, ROOT, ConfigError, defaults, load_settings
from motcua.legal_clock import OfficeHours

DOCUMENTED = yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))


def test_the_packaged_defaults_are_the_documented_config_yaml_and_the_library_is_bpmn():
    assert defaults() == DOCUMENTED
    assert DEFAULTS_FILE.resolve() == (ROOT / "config.yaml").resolve()
    assert LIBRARY_DIR.resolve() == (ROOT / "bpmn").resolve()
    # the legal clock's default hours are that file's, not a second copy
    hours = OfficeHours()
    assert hours.to_config()["cutoff"] == DOCUMENTED["office_hours"]["cutoff"]
    assert hours.to_config()["periods"] == [f"{a}-{b}" for a, b in DOCUMENTED["office_hours"]["periods"]]


def test_a_deployment_file_is_merged_over_the_defaults_and_a_missing_one_is_an_error(tmp_path):
    site = tmp_path / "site.yaml"
    site.write_text("office_hours:\n  cutoff: \"14:30\"\nscheduler:\n  reports_interval: 900\n", encoding="utf-8")
    s = load_settings(environ={"MOTCUA_CONFIG": str(site), "MOTCUA_INSTANCE": str(tmp_path / "i")})
    assert s.section("office_hours")["cutoff"] == "14:30"
    assert s.section("office_hours")["periods"] == DOCUMENTED["office_hours"]["periods"]
    assert s.section("scheduler")["reports_interval"] == 900
    assert s.section("scheduler")["timers_interval"] == DOCUMENTED["scheduler"]["timers_interval"]
    with pytest.raises(ConfigError, match="Không tìm thấy tệp cấu hình"):
        load_settings(environ={"MOTCUA_CONFIG": str(tmp_path / "missing.yaml")})
    site.write_text("- a list\n", encoding="utf-8")
    with pytest.raises(ConfigError):
        load_settings(path=site, environ={})


def test_the_database_lives_in_the_instance_folder_of_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    s = load_settings(environ={})
    assert s.instance_path == tmp_path / "instance"
    assert s.database_url == f"sqlite:///{tmp_path / 'instance' / 'motcua.sqlite'}"
    elsewhere = tmp_path / "data" / "motcua"
    s = load_settings(environ={"MOTCUA_INSTANCE": str(elsewhere)})
    assert (s.instance_path, s.database_url) == (elsewhere, f"sqlite:///{elsewhere / 'motcua.sqlite'}")
    assert elsewhere.is_dir()
    assert load_settings(environ={}, instance="other").instance_path == tmp_path / "other"
    # a relative SQLite path is the working directory's, made absolute
    s = load_settings(environ={"DATABASE_URL": "sqlite:///db/x.sqlite"})
    assert s.database_url == f"sqlite:///{tmp_path / 'db' / 'x.sqlite'}"


def test_cli_instance_option_places_the_database(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    env = {"DATABASE_URL": "", "MOTCUA_INSTANCE": "", "MOTCUA_CONFIG": "", "MOTCUA_ENV": "test"}
    result = CliRunner().invoke(main, ["--instance", "here", "init-db"], env=env)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "here" / "motcua.sqlite").is_file()
    assert not (tmp_path / "instance").exists()


def test_create_admin_goes_through_one_use_case(db_url, platform):
    from motcua.db.models import Office, User
    env = {"DATABASE_URL": db_url, "MOTCUA_ENV": "test", "MOTCUA_CONFIG": ""}
    runner = CliRunner()
    # refused: nothing is written, not even the office the command would have created
    bad = runner.invoke(main, ["create-admin", "root", "--password", "short", "--office", "NEW.OFFICE"], env=env)
    assert bad.exit_code != 0 and "Mật khẩu" in bad.output
    with platform.uow(readonly=True) as uow:
        assert uow.session.scalar(select(func.count(Office.id)).where(Office.code == "NEW.OFFICE")) == 0
    ok = runner.invoke(main, ["create-admin", "root", "--password", "mat-khau-dai-du", "--office", "NEW.OFFICE"],
                       env=env)
    assert ok.exit_code == 0, ok.output
    with platform.uow(readonly=True) as uow:
        user = uow.session.scalar(select(User).where(User.username == "root"))
        assert user.roles == ["admin"] and user.office.code == "NEW.OFFICE" and user.office.level == "center"
    again = runner.invoke(main, ["create-admin", "root", "--password", "mat-khau-dai-du"], env=env)
    assert again.exit_code != 0 and "đã tồn tại" in again.output


def test_cli_publish_is_the_console_use_case(db_url, people):
    env = {"DATABASE_URL": db_url, "MOTCUA_ENV": "test", "MOTCUA_CONFIG": ""}
    folder = LIBRARY_DIR / "trich-luc-ho-tich"
    first = CliRunner().invoke(main, ["publish", str(folder)], env=env)
    assert first.exit_code == 0, first.output
    assert "trich-luc-ho-tich phiên bản 1" in first.output
    again = CliRunner().invoke(main, ["publish", str(folder)], env=env)  # same content: same version
    assert "trich-luc-ho-tich phiên bản 1" in again.output
    from motcua.services.procedures import get_procedure
    procedure, versions = get_procedure(people, "trich-luc-ho-tich")
    assert [v.version for v in versions] == [1] and versions[0].published_by is None


def _imports(path: Path, package: str) -> set[str]:
    """The sibling modules a module of ``package`` imports, at any depth of its code."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level == 1:
                found |= {node.module.split(".")[0]} if node.module else {a.name for a in node.names}
            elif node.module and node.module.startswith(package + "."):
                found.add(node.module[len(package) + 1:].split(".")[0])
        elif isinstance(node, ast.Import):
            found |= {a.name[len(package) + 1:].split(".")[0] for a in node.names if a.name.startswith(package + ".")}
    return found


def test_the_legal_clock_modules_import_no_cycle():
    folder = ROOT / "motcua" / "legal_clock"
    graph = {p.stem: _imports(p, "motcua.legal_clock") - {p.stem} for p in folder.glob("*.py") if p.stem != "__init__"}
    assert "deadlines" not in graph["explanation"]

    def reaches(start, target, seen=()):
        return any(n == target or (n not in seen and reaches(n, target, (*seen, n))) for n in graph.get(start, ()))
    assert not [m for m in graph if reaches(m, m)]


def test_the_cli_opens_no_transaction_of_its_own():
    tree = ast.parse((ROOT / "motcua" / "cli.py").read_text(encoding="utf-8"))
    calls = {node.func.attr for node in ast.walk(tree)
             if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)}
    assert not calls & {"commit", "uow", "begin"}
