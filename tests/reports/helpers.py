"""Building a month of dossiers at chosen instants through the real use cases, and reading the 766 index."""
from __future__ import annotations

import copy
import dataclasses

from engine.package import load_package_dir
from motcua.config import ROOT
from motcua.seed import STAFF
from motcua.services import dossiers, public
from motcua.services.index766 import index766
from motcua.services.procedures import compile_or_reject, store_version
from motcua.services.report_scope import office_by_code
from tests.scheduler.helpers import SIMPLE, actor, at, complete, view


def publish_variant(platform, **manifest) -> None:
    """The simple fixture procedure (3 working days, three steps) with other manifest values."""
    package = load_package_dir(SIMPLE)
    package = dataclasses.replace(package, manifest={**copy.deepcopy(package.manifest), **manifest})
    compiled = compile_or_reject(platform, package)
    with platform.uow() as uow:
        store_version(uow.session, compiled, None, platform.now())
        uow.commit()


def publish_library(platform, name: str) -> None:
    compiled = compile_or_reject(platform, load_package_dir(ROOT / "bpmn" / name))
    with platform.uow() as uow:
        store_version(uow.session, compiled, None, platform.now())
        uow.commit()


def finish(platform, code: str) -> None:
    """Work every step until the process ends, each by the lane's role at the step's office."""
    simple = {"Tiếp nhận và chuyển hồ sơ": {"checked": True},
              "Thẩm định hồ sơ": {"decision": "approve", "opinion": "Đủ điều kiện"},
              "Phê duyệt": {"signed": True}}
    for _ in range(10):
        steps = view(platform, code, "admin")["current_steps"]
        if not steps:
            return
        step = steps[0]
        username = f"{STAFF[step['office']]}.{step['lane'].split(':')[-1]}"
        complete(platform, code, username, simple.get(step["name"]), step=step["name"])
    raise AssertionError(f"{code} did not finish")


def request(platform, code: str, who: str = "minhxuan.receiver") -> None:
    dossiers.request_supplement(platform, actor(platform, who), code, "Thiếu giấy tờ", ["Bản sao CCCD"])


def supply(platform, code: str, who: str = "minhxuan.receiver") -> None:
    dossiers.supplement(platform, actor(platform, who), code, [{"name": "Bản sao CCCD", "digitized": True}], None)


def withdraw(platform, code: str) -> None:
    dossiers.end(platform, actor(platform, "minhxuan.receiver"), code, "withdrawn", "Người nộp rút hồ sơ")


def apologise(platform, code: str, new_due: str) -> None:
    dossiers.apologise(platform, actor(platform, "minhxuan.leader"), code, "Cần xác minh thêm", at(new_due))


def hand_over(platform, code: str) -> None:
    dossiers.hand_over(platform, actor(platform, "minhxuan.receiver"), code)


def rate(platform, code: str, satisfied: bool) -> None:
    public.rate(platform, code, "5678", satisfied, None)


def index_of(platform, office: str | None, year: int, month: int, until: str) -> dict:
    with platform.uow() as uow:
        return index766(uow.session, platform.settings, office_by_code(uow.session, office), year, month, at(until))


def indicators(report: dict) -> dict:
    return {i["code"]: i for g in report["groups"] for i in g["indicators"]}
