"""Settings from config.yaml, with the environment overriding it.

One place reads configuration so that tests, the CLI and the server agree on it.
"""
from __future__ import annotations

import copy
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG_FILE = ROOT / "config.yaml"

_DEFAULTS: dict[str, Any] = {
    "database_url": "sqlite:///instance/motcua.sqlite",
    "env": "development",
    "timezone": "Asia/Ho_Chi_Minh",
    "office_hours": {"periods": [["07:30", "11:30"], ["13:00", "17:00"]], "cutoff": "15:00"},
    "calendar": {"overrides": []},
    "saturday_service": {"default_mode": "none"},
    "scheduler": {
        "in_process": True,
        "timers_interval": 30,
        "deadlines_interval": 60,
        "notifications_interval": 30,
        "reports_interval": 3600,
    },
    "limits": {
        "bpmn_max_bytes": 2 * 1024 * 1024,
        "bpmn_max_depth": 64,
        "max_request_bytes": 10 * 1024 * 1024,
        "script_time_limit": 1.0,
    },
    "auth": {"token_lifetime_minutes": 480, "public_lookups_per_minute": 20},
    "notifications": {
        "smtp_host": "",
        "smtp_port": 25,
        "smtp_from": "motcua@localhost",
        "webhook_url": "",
        "max_attempts": 5,
    },
}


class ConfigError(Exception):
    pass


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


def _absolute_sqlite(url: str) -> str:
    """Relative SQLite paths are relative to the project root, not the working directory."""
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url.startswith(prefix + "/") and ":memory:" not in url:
        path = ROOT / url[len(prefix):]
        path.parent.mkdir(parents=True, exist_ok=True)
        return prefix + str(path)
    return url


def load_settings(path: str | Path | None = None, overrides: dict | None = None,
                  environ: dict | None = None) -> Settings:
    environ = os.environ if environ is None else environ
    path = Path(path or environ.get("MOTCUA_CONFIG") or DEFAULT_CONFIG_FILE)
    data: dict = {}
    if path.exists():
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    raw = _merge(_merge(_DEFAULTS, data), overrides or {})
    if environ.get("DATABASE_URL"):
        raw["database_url"] = environ["DATABASE_URL"]
    if environ.get("MOTCUA_ENV"):
        raw["env"] = environ["MOTCUA_ENV"]
    raw["database_url"] = _absolute_sqlite(raw["database_url"])
    settings = Settings(raw=raw)
    settings.secret_key = environ.get("MOTCUA_SECRET_KEY", settings.secret_key)
    settings.clock_start = environ.get("MOTCUA_CLOCK_START") or raw.get("clock_start")
    if settings.env == "production":
        if settings.clock_start:
            raise ConfigError("MOTCUA_CLOCK_START không được dùng khi MOTCUA_ENV=production.")
        if "MOTCUA_SECRET_KEY" not in environ:
            raise ConfigError("Cần đặt MOTCUA_SECRET_KEY khi MOTCUA_ENV=production.")
    return settings
