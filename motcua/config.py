"""Settings: the packaged defaults, a configuration file over them, the environment over both.

One place reads configuration so that tests, the CLI and the server agree on it, and one file
holds every default: the repository's `config.yaml`, shipped inside the package as
`motcua/data/config.yaml` (a symbolic link in the source tree, a real file in the wheel). Nothing
is looked up relative to the source checkout, so an installed wheel behaves like `make run`:

- `MOTCUA_CONFIG` (or `motcua --config FILE`) names a file merged over the defaults; a file that
  is named but missing is an error, never silently skipped;
- the instance folder holds what the platform writes (the SQLite database, later uploaded files):
  `MOTCUA_INSTANCE` (or `motcua --instance DIR`), by default `instance/` in the working directory;
- `DATABASE_URL`, `MOTCUA_ENV`, `MOTCUA_SECRET_KEY`, `MOTCUA_CLOCK_START` override single keys.

The demo procedure library (the repository's `bpmn/`) ships the same way, as `motcua/data/bpmn`.
"""
from __future__ import annotations

import copy
import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

# What the package carries: the default configuration and the demo procedure library.
PACKAGE_DATA = Path(__file__).resolve().parent / "data"
DEFAULTS_FILE = PACKAGE_DATA / "config.yaml"
DEFAULT_CONFIG_FILE = DEFAULTS_FILE  # the name tests used before the defaults were packaged
LIBRARY_DIR = PACKAGE_DATA / "bpmn"
# The source checkout, for the tests and benchmarks only: an installed package never reads it.
ROOT = Path(__file__).resolve().parent.parent

DEFAULT_INSTANCE = "instance"
SQLITE_FILE = "motcua.sqlite"


class ConfigError(Exception):
    pass


@lru_cache(maxsize=1)
def _packaged() -> dict[str, Any]:
    try:
        data = yaml.safe_load(DEFAULTS_FILE.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as err:  # a broken installation, not a user's mistake
        raise ConfigError(f"Không đọc được cấu hình mặc định {DEFAULTS_FILE}: {err}") from err
    if not isinstance(data, dict):
        raise ConfigError(f"Cấu hình mặc định {DEFAULTS_FILE} không phải một bảng khóa: giá trị.")
    return data


def defaults() -> dict[str, Any]:
    """Every default setting, read from the one packaged file (a fresh copy: callers may change it)."""
    return copy.deepcopy(_packaged())


def _merge(base: dict, extra: dict) -> dict:
    out = copy.deepcopy(base)
    for key, value in (extra or {}).items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


@dataclass
class Settings:
    raw: dict = field(default_factory=dict)
    secret_key: str = "dev-secret-change-me"
    clock_start: str | None = None
    instance_path: Path = field(default_factory=lambda: Path(DEFAULT_INSTANCE).resolve())

    @property
    def env(self) -> str:
        return self.raw["env"]

    @property
    def database_url(self) -> str:
        return self.raw["database_url"]

    def section(self, name: str) -> dict:
        return self.raw.get(name) or {}

    @property
    def limits(self) -> dict:
        return self.section("limits")


def _database_url(url: str | None, instance: Path) -> str:
    """No URL: SQLite in the instance folder. A relative SQLite path is relative to the working
    directory (as SQLAlchemy reads it), made absolute so that it does not move with a chdir."""
    if not url:
        path = instance / SQLITE_FILE
        path.parent.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{path}"
    # A SQLite URL is `sqlite:///relative/path` or `sqlite:////absolute/path`, optionally with a
    # `?query`; parsed by hand so that reading the configuration needs no SQLAlchemy (the legal
    # clock reads its defaults from here and stays plain Python).
    scheme, _, rest = url.partition(":///")
    if scheme.split("+")[0] != "sqlite" or not rest:
        return url
    prefix = f"{scheme}:///"
    database, sep, query = rest.partition("?")
    if database in ("", ":memory:") or database.startswith("file:"):
        return url
    path = Path(database)
    if not path.is_absolute():
        path = Path.cwd() / path
        url = f"{prefix}{path}{sep}{query}"
    path.parent.mkdir(parents=True, exist_ok=True)
    return url


def _read_file(path: Path) -> dict:
    if not path.is_file():
        raise ConfigError(f"Không tìm thấy tệp cấu hình {path} (MOTCUA_CONFIG hoặc --config).")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as err:
        raise ConfigError(f"Tệp cấu hình {path} không đúng cú pháp YAML: {err}") from err
    if not isinstance(data, dict):
        raise ConfigError(f"Tệp cấu hình {path} phải là một bảng khóa: giá trị.")
    return data


def load_settings(path: str | Path | None = None, overrides: dict | None = None,
                  environ: dict | None = None, instance: str | Path | None = None) -> Settings:
    """The packaged defaults, then the file (``path`` or ``MOTCUA_CONFIG``), then ``overrides``,
    then the environment. ``instance`` (or ``MOTCUA_INSTANCE``, default ``./instance``) is the
    folder for what the platform writes."""
    environ = os.environ if environ is None else environ
    chosen = path or environ.get("MOTCUA_CONFIG")
    data = _read_file(Path(chosen)) if chosen else {}
    raw = _merge(_merge(defaults(), data), overrides or {})
    if environ.get("DATABASE_URL"):
        raw["database_url"] = environ["DATABASE_URL"]
    if environ.get("MOTCUA_ENV"):
        raw["env"] = environ["MOTCUA_ENV"]
    instance_path = Path(instance or environ.get("MOTCUA_INSTANCE") or DEFAULT_INSTANCE).resolve()
    raw["database_url"] = _database_url(raw.get("database_url"), instance_path)
    settings = Settings(raw=raw, instance_path=instance_path)
    settings.secret_key = environ.get("MOTCUA_SECRET_KEY", settings.secret_key)
    settings.clock_start = environ.get("MOTCUA_CLOCK_START") or raw.get("clock_start")
    if settings.env == "production":
        if settings.clock_start:
            raise ConfigError("MOTCUA_CLOCK_START không được dùng khi MOTCUA_ENV=production.")
        if "MOTCUA_SECRET_KEY" not in environ:
            raise ConfigError("Cần đặt MOTCUA_SECRET_KEY khi MOTCUA_ENV=production.")
    return settings
