"""Every procedure of the library, driven through every path over the REST API (issue 7).

For each path the dossier is received at a real desk, and each step is worked by the demo user of
the right role at the right office: the step's lane decides the office (`receiver` → the desk
that received the dossier, `specialist`/`leader` → the competent office, `OFFICE:role` → that
office). Each step must be in that user's inbox and in nobody's inbox of the same role elsewhere.
Time passes between steps (the frozen clock is moved), and every due time the platform reports
(the dossier's, each step's, after supplements) is compared with the legal clock computed here
directly with `motcua.legal_clock` from the receipt and ready instants; a few values are also
written out by hand as an anchor.
"""
from __future__ import annotations

import copy
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from functools import lru_cache

import pytest
import yaml
from click.testing import CliRunner
from lxml import etree

from motcua.cli import main as cli_main
from motcua.clock import VN_TZ, parse_instant
from motcua.legal_clock import OfficeHours, Override, WorkingCalendar, deadlines
from motcua.seed import STAFF
from tests.conftest import BPMN_DIR, T0, read_package

NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
      "spiffworkflow": "http://spiffworkflow.org/bpmn/schema/1.0/core"}
APPLICANT = {"name": "Nguyễn Văn Bình", "id_number": "008090001234", "phone": "0912345678",
             "address": "Tổ 5, phường Minh Xuân, tỉnh Tuyên Quang"}
# an office of the same kind, whose staff of the same role must not see the step
OTHER_OFFICE = {
    "UBND.MINHXUAN": "UBND.YENSON", "UBND.YENSON": "UBND.MINHXUAN", "TTPVHCC": "UBND.MINHXUAN",
    "SNNMT": "STP", "STP": "SNNMT", "UBND.TINH": "SNNMT", "CA.MINHXUAN": "CA.TINH",
    "CA.TINH": "CA.MINHXUAN", "BHXH.TQ": "CA.MINHXUAN",
}
SATURDAY = datetime(2026, 11, 28, tzinfo=VN_TZ)          # Saturday after T0, not a holiday
MONDAY_OPENING = datetime(2026, 11, 30, 7, 30, tzinfo=VN_TZ)


def H(hours: float) -> timedelta:
    return timedelta(hours=hours)


def D(days: float, hours: float = 0) -> timedelta:
    return timedelta(days=days, hours=hours)


# ------------------------------------------------------------------------- the library's facts

@dataclass(frozen=True)
class StepFacts:
    id: str
    name: str
    lane: str
    role: str
    office: str | None
    allotment: Decimal
    form: str
    pause_clock: bool
    legal_days: Decimal | None = None  # the longer legal time once this step is ready (issue 13.4)


@dataclass(frozen=True)
class Facts:
    manifest: dict
    forms: dict
    steps: dict


@lru_cache(maxsize=None)
def facts(code: str) -> Facts:
    folder = BPMN_DIR / code
    manifest = yaml.safe_load((folder / "manifest.yaml").read_text(encoding="utf-8"))
    forms = {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in (folder / "forms").glob("*.json")}
    doc = etree.parse(str(folder / "process.bpmn"))
    lanes = {}
    for lane in doc.iterfind(".//bpmn:lane", NS):
        for ref in lane.iterfind("bpmn:flowNodeRef", NS):
            lanes[ref.text.strip()] = lane.get("name")
    steps = {}
    for task in doc.iterfind(".//bpmn:userTask", NS):
        props = {p.get("name"): p.get("value") for p in task.iterfind(".//spiffworkflow:property", NS)}
        lane = lanes[task.get("id")]
        office, _, role = lane.rpartition(":")
        steps[task.get("id")] = StepFacts(
            id=task.get("id"), name=task.get("name"), lane=lane, role=role, office=office or None,
            allotment=Decimal(props["allotment_days"]), form=props["form"],
            pause_clock=props.get("pause_clock") == "true",
            legal_days=Decimal(props["legal_days"]) if props.get("legal_days") else None)
    return Facts(manifest, forms, steps)


def sample(schema: dict, **choices) -> dict:
    """Form data built from the `examples` of every property, with the path's choices on top."""
    data = {name: copy.deepcopy(prop["examples"][0]) for name, prop in schema["properties"].items()}
    data.update(choices)
    return data


# ------------------------------------------------------------------------------ the legal clock

@dataclass
class LegalClock:
    """The contract's legal clock, computed here from configuration (no platform service)."""

    cal: WorkingCalendar
    hours: OfficeHours

    @classmethod
    def of(cls, settings) -> "LegalClock":
        overrides = tuple(Override.from_config(o) for o in settings.section("calendar").get("overrides") or [])
        return cls(WorkingCalendar(overrides), OfficeHours.from_config(dict(settings.section("office_hours"))))

    def start(self, at: datetime) -> datetime:
        return deadlines.clock_start(self.cal, self.hours, at)

    def due(self, at: datetime, days) -> datetime:
        return deadlines.due_at(self.cal, self.hours, self.start(at), Decimal(str(days)))

    def shifted(self, due: datetime, paused_from: datetime, resumed_at: datetime) -> datetime:
        return deadlines.shift_for_pause(self.cal, self.hours, due, paused_from, resumed_at)


def instant(text: str) -> datetime:
    assert re.search(r"[+-]\d\d:\d\d$", text), f"no explicit offset: {text}"
    return parse_instant(text)


# ----------------------------------------------------------------------------------- the people

@pytest.fixture
def settings(settings):
    """Tokens that outlive the weeks the frozen clock is moved (a sign-in costs an argon2 hash)."""
    settings.raw["auth"] = {**settings.section("auth"), "token_lifetime_minutes": 60 * 24 * 60}
    return settings


class People:
    """Signed-in API clients per demo user; a new token when the moved clock expired the old one."""

    def __init__(self, client, clock):
        self.client, self.clock, self.tokens = client, clock, {}

    def __call__(self, username: str) -> "Person":
        token, expires = self.tokens.get(username, (None, None))
        if token is None or expires <= self.clock.now() + H(0.5):
            r = self.client.post("/api/v1/auth/token", json={"username": username, "password": "motcua-demo"})
            assert r.status_code == 200, r.get_json()
            body = r.get_json()
            token, expires = body["access_token"], instant(body["expires_at"])
            self.tokens[username] = (token, expires)
        return Person(self.client, token, username)

    def staff(self, office: str, role: str) -> "Person":
        return self(f"{STAFF[office]}.{role}")


@dataclass
class Person:
    client: object
    token: str
    username: str

    @property
    def headers(self):
        return {"Authorization": f"Bearer {self.token}"}

    def get(self, url):
        return self.client.get(url, headers=self.headers)

    def post(self, url, json=None):
        return self.client.post(url, json=json if json is not None else {}, headers=self.headers)

    def inbox(self) -> list[str]:
        r = self.get("/api/v1/tasks?scope=candidate&per_page=100")
        assert r.status_code == 200, r.get_json()
        return [t["id"] for t in r.get_json()["items"]]


# ------------------------------------------------------------------------------------ the paths

@dataclass
class Do:
    """Complete step `step` after `after` of wall-clock time, with these choices in its form."""

    step: str
    after: timedelta = field(default_factory=lambda: H(2))
    data: dict = field(default_factory=dict)
    fire_timers: bool = False


@dataclass
class Path:
    code: str
    name: str
    desk: str
    steps: list
    status: str
    application: dict = field(default_factory=dict)
    received: datetime = T0
    anchors: dict = field(default_factory=dict)

    @property
    def id(self):
        return f"{self.code}:{self.name}"


APPROVE, REFUSE, SUPPLEMENT = {"decision": "approve"}, {"decision": "refuse"}, {"decision": "supplement"}
NO_VERIFY, VERIFY = {"needs_verification": False}, {"needs_verification": True}

PATHS = [
    # ---- Cấp bản sao trích lục hộ tịch: same day
    Path("trich-luc-ho-tich", "happy", "UBND.MINHXUAN", [
        Do("kiem_tra_ho_so", H(1)), Do("tra_cuu_in_trich_luc", H(2), APPROVE), Do("ky_trich_luc", H(1)),
        Do("tra_ket_qua", H(1))], "done",
        anchors={"clock_start": "2026-11-25T08:00:00+07:00", "due_at": "2026-11-25T17:00:00+07:00",
                 "steps": ["2026-11-25T17:00:00+07:00"] * 4}),
    Path("trich-luc-ho-tich", "received after 15:00", "UBND.YENSON", [
        Do("kiem_tra_ho_so", H(0.5)), Do("tra_cuu_in_trich_luc", H(16), APPROVE), Do("ky_trich_luc", H(1)),
        Do("tra_ket_qua", H(1))], "done", received=T0.replace(hour=15, minute=30),
        # 15:30 Wednesday counts from Thursday 07:30; same day → Thursday 17:00. The first step is
        # ready at 15:30 too (due Thursday 17:00); the second at 16:00 (also Thursday 17:00); the
        # third at 08:00 Thursday (due 17:00 that day)
        anchors={"clock_start": "2026-11-26T07:30:00+07:00", "due_at": "2026-11-26T17:00:00+07:00",
                 "steps": ["2026-11-26T17:00:00+07:00"] * 4}),
    Path("trich-luc-ho-tich", "refusal", "UBND.YENSON", [
        Do("kiem_tra_ho_so"), Do("tra_cuu_in_trich_luc", data=REFUSE)], "rejected"),
    # ---- Đăng ký kết hôn: same day (manifest legal_days 0); up to 5 working days when the
    # conditions must be verified (Luật Hộ tịch 2014, art. 18(2)): the step xac_minh carries
    # legal_days 5, and the appointment moves when it becomes ready
    Path("dang-ky-ket-hon", "happy", "UBND.MINHXUAN", [
        Do("kiem_tra_ho_so", H(1)), Do("kiem_tra_dieu_kien", H(2), {**NO_VERIFY, **APPROVE}), Do("ky_gcn", H(1)),
        Do("tra_ket_qua", H(1))], "done"),
    Path("dang-ky-ket-hon", "verification", "UBND.YENSON", [
        Do("kiem_tra_ho_so", H(1)), Do("kiem_tra_dieu_kien", H(2), {**VERIFY, **APPROVE}),
        Do("xac_minh", D(3), APPROVE), Do("ky_gcn", H(2)), Do("tra_ket_qua", H(1))], "done"),
    Path("dang-ky-ket-hon", "refusal", "UBND.MINHXUAN", [
        Do("kiem_tra_ho_so", H(1)), Do("kiem_tra_dieu_kien", H(2), {**NO_VERIFY, **REFUSE})], "rejected"),
    Path("dang-ky-ket-hon", "refusal after verification", "UBND.YENSON", [
        Do("kiem_tra_ho_so", H(1)), Do("kiem_tra_dieu_kien", H(2), {**VERIFY, **APPROVE}),
        Do("xac_minh", D(2), REFUSE)], "rejected"),
    # ---- Liên thông khai sinh – thường trú – thẻ BHYT (commune → police → social insurance):
    # 3 working days, 5 when the residence must be verified (NĐ 63/2024): xac_minh_thuong_tru
    # carries legal_days 5
    Path("lien-thong-khai-sinh", "happy", "UBND.MINHXUAN", [
        Do("kiem_tra_ho_so", H(1)), Do("dang_ky_khai_sinh", H(2)), Do("ky_giay_khai_sinh", H(1)),
        Do("dang_ky_thuong_tru", D(1), NO_VERIFY), Do("cap_the_bhyt", D(1)), Do("tra_ket_qua", H(2))], "done"),
    Path("lien-thong-khai-sinh", "verification", "UBND.YENSON", [
        Do("kiem_tra_ho_so", H(1)), Do("dang_ky_khai_sinh", H(2)), Do("ky_giay_khai_sinh", H(1)),
        Do("dang_ky_thuong_tru", D(1), VERIFY), Do("xac_minh_thuong_tru", D(2)), Do("cap_the_bhyt", D(1, 2)),
        Do("tra_ket_qua", H(2))], "done"),
    # ---- Liên thông khai tử: the applicant chains 1, 2 or 3 procedures
    Path("lien-thong-khai-tu", "death registration only", "UBND.MINHXUAN", [
        Do("kiem_tra_ho_so", H(1)), Do("dang_ky_khai_tu", H(1)), Do("ky_trich_luc_khai_tu", H(1)),
        Do("tra_ket_qua", H(1))], "done",
        application={"include_residence_removal": False, "include_funeral_allowance": False}),
    Path("lien-thong-khai-tu", "with residence removal", "UBND.YENSON", [
        Do("kiem_tra_ho_so", H(1)), Do("dang_ky_khai_tu", H(1)), Do("ky_trich_luc_khai_tu", H(1)),
        Do("xoa_thuong_tru", D(1)), Do("tra_ket_qua", H(1))], "done",
        application={"include_residence_removal": True, "include_funeral_allowance": False}),
    Path("lien-thong-khai-tu", "with funeral allowance", "UBND.MINHXUAN", [
        Do("kiem_tra_ho_so", H(1)), Do("dang_ky_khai_tu", H(1)), Do("ky_trich_luc_khai_tu", H(1)),
        Do("tro_cap_mai_tang", D(2)), Do("tra_ket_qua", H(1))], "done",
        application={"include_residence_removal": False, "include_funeral_allowance": True}),
    Path("lien-thong-khai-tu", "all three", "UBND.YENSON", [
        Do("kiem_tra_ho_so", H(1)), Do("dang_ky_khai_tu", H(1)), Do("ky_trich_luc_khai_tu", H(1)),
        Do("xoa_thuong_tru", D(1, 3)), Do("tro_cap_mai_tang", D(2)), Do("tra_ket_qua", H(1))], "done",
        application={"include_residence_removal": True, "include_funeral_allowance": True}),
    # ---- Cấp giấy phép xây dựng: 12 days, up to two supplement rounds (clock paused meanwhile)
    Path("giay-phep-xay-dung", "happy", "UBND.MINHXUAN", [
        Do("tiep_nhan", H(2)),
        # Friday 4/12 14:00: past the 7-working-day reminder (Friday 10:00), before the step's due time
        Do("tham_dinh", D(9, 4), APPROVE, fire_timers=True),
        Do("phe_duyet", H(2)), Do("tra_ket_qua", D(2, 17))], "done",
        # 12 working days from Wednesday 08:00: 7.5 h + 11 days + 0.5 h → Friday 11/12 08:00;
        # appraisal ready Wednesday 10:00 + 8 days → Monday 7/12 10:00; signing ready Friday 14:00,
        # 4 h → Monday 08:30; the return ready Friday 16:00 (after 15:00) → Monday 07:30 + 4 h
        anchors={"due_at": "2026-12-11T08:00:00+07:00", "reminder": "2026-12-04T10:00:00+07:00",
                 "steps": ["2026-11-26T08:00:00+07:00", "2026-12-07T10:00:00+07:00",
                           "2026-12-07T08:30:00+07:00", "2026-12-07T11:30:00+07:00"]}),
    Path("giay-phep-xay-dung", "supplement", "UBND.MINHXUAN", [
        Do("tiep_nhan", H(2)), Do("tham_dinh", D(6), SUPPLEMENT),
        Do("tiep_nhan_bo_sung", D(2)), Do("tham_dinh_bo_sung", H(3), APPROVE), Do("phe_duyet", H(2)),
        Do("tra_ket_qua", H(1))], "done",
        # paused Tuesday 1/12 10:00 → Thursday 3/12 10:00 = 2 working days: Friday 11/12 08:00 → Tuesday
        # 15/12 08:00; the re-appraisal ready Thursday 10:00 + 1 day → Friday 10:00; the return ready
        # Thursday 15:00 (cut-off) → Friday 07:30 + 4 h = 11:30
        anchors={"due_at": "2026-12-15T08:00:00+07:00",
                 "steps": ["2026-11-26T08:00:00+07:00", "2026-12-07T10:00:00+07:00",
                           "2026-12-01T17:00:00+07:00", "2026-12-04T10:00:00+07:00",
                           "2026-12-03T17:00:00+07:00", "2026-12-04T11:30:00+07:00"]}),
    Path("giay-phep-xay-dung", "two supplement rounds", "UBND.MINHXUAN", [
        Do("tiep_nhan", H(2)), Do("tham_dinh", D(3), SUPPLEMENT), Do("tiep_nhan_bo_sung", D(1)),
        Do("tham_dinh_bo_sung", H(5), SUPPLEMENT), Do("tiep_nhan_bo_sung", D(3, 1)),
        Do("tham_dinh_bo_sung", H(4), APPROVE), Do("phe_duyet", H(2)), Do("tra_ket_qua", H(1))], "done"),
    Path("giay-phep-xay-dung", "third supplement request refused", "UBND.MINHXUAN", [
        Do("tiep_nhan", H(2)), Do("tham_dinh", D(3), SUPPLEMENT), Do("tiep_nhan_bo_sung", D(1)),
        Do("tham_dinh_bo_sung", H(5), SUPPLEMENT), Do("tiep_nhan_bo_sung", D(2)),
        Do("tham_dinh_bo_sung", H(4), SUPPLEMENT)], "rejected"),
    Path("giay-phep-xay-dung", "refusal", "UBND.MINHXUAN", [
        Do("tiep_nhan", H(2)), Do("tham_dinh", D(2), REFUSE)], "rejected"),
    # ---- Giao đất, cho thuê đất: province (SNNMT, Chairman of UBND.TINH), received at the centre
    Path("giao-dat-cho-thue-dat", "happy", "TTPVHCC", [
        Do("tiep_nhan_1", H(1)), Do("yeu_cau_thong_tin", H(2)), Do("cung_cap_thong_tin", H(3)),
        Do("tham_dinh_1", D(1)), Do("truong_phong_1", H(2)), Do("lanh_dao_so_1", H(3), APPROVE),
        Do("tiep_nhan_2", H(2)), Do("tham_dinh_2", D(2)), Do("truong_phong_2", H(3)), Do("lanh_dao_so_2", H(5)),
        Do("chu_tich_quyet_dinh", D(1), APPROVE), Do("tra_ket_qua", H(2))], "done"),
    Path("giao-dat-cho-thue-dat", "refusal in stage 1", "TTPVHCC", [
        Do("tiep_nhan_1", H(1)), Do("yeu_cau_thong_tin", H(2)), Do("cung_cap_thong_tin", H(3)),
        Do("tham_dinh_1", D(1)), Do("truong_phong_1", H(2)), Do("lanh_dao_so_1", H(3), REFUSE)], "rejected"),
    Path("giao-dat-cho-thue-dat", "refusal by the provincial chairman", "TTPVHCC", [
        Do("tiep_nhan_1", H(1)), Do("yeu_cau_thong_tin", H(2)), Do("cung_cap_thong_tin", H(3)),
        Do("tham_dinh_1", D(1)), Do("truong_phong_1", H(2)), Do("lanh_dao_so_1", H(3), APPROVE),
        Do("tiep_nhan_2", H(2)), Do("tham_dinh_2", D(2)), Do("truong_phong_2", H(3)), Do("lanh_dao_so_2", H(5)),
        Do("chu_tich_quyet_dinh", D(1), REFUSE)], "rejected"),
    # ---- Đăng ký hộ kinh doanh: 3 days, boundary-free
    Path("dang-ky-ho-kinh-doanh", "happy", "UBND.MINHXUAN", [
        Do("tiep_nhan", H(2)), Do("tham_dinh", D(1), APPROVE), Do("ky_gcn", H(2)), Do("tra_ket_qua", H(2))], "done"),
    Path("dang-ky-ho-kinh-doanh", "refusal", "UBND.YENSON", [
        Do("tiep_nhan", H(2)), Do("tham_dinh", D(1), REFUSE)], "rejected"),
    # ---- Cấp phiếu lý lịch tư pháp: STP with the provincial police, received at the centre
    Path("ly-lich-tu-phap", "happy", "TTPVHCC", [
        Do("tiep_nhan", H(2)), Do("tra_cuu_lltp", D(1)), Do("tra_cuu_an_tich", D(3), NO_VERIFY),
        Do("lap_phieu", D(1)), Do("ky_phieu", H(3), APPROVE), Do("tra_ket_qua", H(2))], "done",
        # 10 working days (Luật Lý lịch tư pháp 2009, art. 48) from Wednesday 08:00:
        # 7.5 h + 9 days + 0.5 h → Wednesday 9/12 08:00
        anchors={"due_at": "2026-12-09T08:00:00+07:00"}),
    # with verification 15 days (art. 48): xac_minh carries legal_days 15, so the appointment
    # moves to 15 working days from Wednesday 08:00 → Wednesday 16/12 08:00 once it is ready
    Path("ly-lich-tu-phap", "verification", "TTPVHCC", [
        Do("tiep_nhan", H(2)), Do("tra_cuu_lltp", D(1)), Do("tra_cuu_an_tich", D(3), VERIFY),
        Do("xac_minh", D(4)), Do("lap_phieu", D(1)), Do("ky_phieu", H(3), APPROVE), Do("tra_ket_qua", H(2))], "done",
        anchors={"due_at": "2026-12-16T08:00:00+07:00"}),
    Path("ly-lich-tu-phap", "refusal", "TTPVHCC", [
        Do("tiep_nhan", H(2)), Do("tra_cuu_lltp", D(1)), Do("tra_cuu_an_tich", D(3), NO_VERIFY),
        Do("lap_phieu", D(1)), Do("ky_phieu", H(3), REFUSE)], "rejected"),
]


def test_every_procedure_and_every_branch_is_driven():
    """The path table covers the library: every procedure, user task and end status."""
    codes = {p.name for p in BPMN_DIR.iterdir() if (p / "process.bpmn").is_file()}
    assert {p.code for p in PATHS} == codes
    for code in codes:
        paths = [p for p in PATHS if p.code == code]
        assert {d.step for p in paths for d in p.steps} == set(facts(code).steps), code
        assert "done" in {p.status for p in paths}
    for p in PATHS:
        assert p.desk == facts(p.code).manifest["competent_office"] or p.desk == "TTPVHCC" or \
            facts(p.code).manifest["boundary_free"], p.id


# ------------------------------------------------------------------------------------ the driver

def step_office(step: StepFacts, desk: str, competent: str) -> str:
    if step.office:
        return step.office
    return desk if step.role == "receiver" else competent


def receive(person: Person, code: str, application: dict, channel: str = "direct"):
    f = facts(code)
    return person.post("/api/v1/dossiers", json={
        "procedure_code": code, "channel": channel, "applicant": APPLICANT,
        "data": sample(f.forms[f.manifest["application_form"]], **application),
        "documents": [{"name": d["name"], "digitized": True} for d in f.manifest["documents"]]})


def only_step(dossier: dict) -> dict:
    assert len(dossier["current_steps"]) == 1, dossier["current_steps"]
    return dossier["current_steps"][0]


@pytest.mark.parametrize("path", PATHS, ids=[p.id for p in PATHS])
def test_path(path: Path, app, client, clock, settings, publish):
    from api import platform_of
    from scheduler.jobs import fire_timers

    f = facts(path.code)
    competent = f.manifest["competent_office"]
    legal = LegalClock.of(settings)
    publish(read_package(path.code))
    people = People(client, clock)

    clock.freeze(path.received)

    def desk() -> Person:
        return people.staff(path.desk, "receiver")

    r = receive(desk(), path.code, path.application)
    assert r.status_code == 201, r.get_json()
    dossier = r.get_json()
    received_at = clock.now()
    assert (dossier["receiving_office"], dossier["competent_office"]) == (path.desk, competent)
    assert dossier["code"].startswith(f"{path.desk}-{received_at:%y%m%d}-")
    assert instant(dossier["received_at"]) == received_at
    assert instant(dossier["clock_start"]) == legal.start(received_at)
    expected_due = legal.due(received_at, f.manifest["legal_days"])
    assert instant(dossier["due_at"]) == expected_due
    code = dossier["code"]

    ready_at, paused_from, timeline, extended = received_at, None, [], []
    pauses: list = []
    for do in path.steps:
        step = f.steps[do.step]
        if step.legal_days is not None:
            # the law's longer time for this case: clock start + legal_days, paused time excluded,
            # only when later than the appointment in force (issue 13.4)
            longer = legal.due(received_at, step.legal_days)
            for pf, resumed in pauses:
                longer = legal.shifted(longer, pf, resumed)
            if longer > expected_due:
                extended.append((do.step, expected_due, longer, step.legal_days))
                expected_due = longer
            assert instant(dossier["due_at"]) == expected_due, do.step
        office = step_office(step, path.desk, competent)
        current = only_step(dossier)
        assert (current["name"], current["lane"], current["office"]) == (step.name, step.lane, office), do.step
        step_due = legal.due(ready_at, step.allotment)
        assert instant(current["due_at"]) == step_due, (do.step, current["due_at"])
        if step.pause_clock:
            assert dossier["status"] == "supplement_requested" and dossier["paused"], dossier["status"]
            paused_from = ready_at
        else:
            assert dossier["status"] == "processing" and not dossier["paused"], dossier["status"]
        task_id = current["task_id"]

        clock.advance(do.after)
        worker = people.staff(office, step.role)
        assert task_id in worker.inbox(), (do.step, worker.username)
        detail = worker.get(f"/api/v1/tasks/{task_id}")
        assert detail.status_code == 200
        assert detail.get_json()["form"] == step.form
        assert detail.get_json()["form_schema"] == f.forms[step.form]
        outsider = people.staff(OTHER_OFFICE[office], step.role)
        assert task_id not in outsider.inbox(), (do.step, outsider.username)
        assert outsider.get(f"/api/v1/tasks/{task_id}").status_code == 404
        assert outsider.post(f"/api/v1/tasks/{task_id}/complete",
                             json={"data": sample(f.forms[step.form], **do.data)}).status_code in (403, 404)

        if do.fire_timers:
            assert fire_timers(platform_of(app), clock.now()) == 1
            again = desk().get(f"/api/v1/dossiers/{code}").get_json()
            assert only_step(again)["task_id"] == task_id, "the reminder must not interrupt the step"

        r = worker.post(f"/api/v1/tasks/{task_id}/complete", json={"data": sample(f.forms[step.form], **do.data)})
        assert r.status_code == 200, (do.step, r.get_json())
        dossier = r.get_json()
        done_at = clock.now()
        timeline.append((do.step, task_id, ready_at, step_due, done_at))
        if step.pause_clock:
            expected_due = legal.shifted(expected_due, paused_from, done_at)
            pauses.append((paused_from, done_at))
        nxt = only_step(dossier) if dossier["current_steps"] else None
        nxt_facts = next((s for s in f.steps.values() if nxt is not None and s.name == nxt["name"]), None)
        if nxt_facts is None or nxt_facts.legal_days is None:
            assert instant(dossier["due_at"]) == expected_due, do.step
        ready_at = done_at

    # the end: status, no open step, the promised time, the result against it
    assert dossier["status"] == path.status
    assert dossier["current_steps"] == []
    assert instant(dossier["finished_at"]) == ready_at
    assert instant(dossier["due_at"]) == expected_due
    assert dossier["supplement_count"] == sum(f.steps[d.step].pause_clock for d in path.steps)
    assert not dossier["paused"]
    if path.status == "done":
        assert dossier["result"]["on_time"] == (ready_at <= expected_due)
    stored = desk().get(f"/api/v1/dossiers/{code}").get_json()
    assert (stored["status"], instant(stored["due_at"])) == (path.status, expected_due)

    # the history holds every step, with its due time from the legal clock
    events = desk().get(f"/api/v1/dossiers/{code}/history").get_json()["events"]
    received = next(e for e in events if e["type"] == "received")
    assert instant(received["data"]["due_at"]) == legal.due(received_at, f.manifest["legal_days"])
    ready = [e for e in events if e["type"] == "step_ready"]
    assert [(e["step"], e["data"]["task_id"]) for e in ready] == [(s, t) for s, t, *_ in timeline]
    for event, (step_id, _task, ready_time, due, _done) in zip(ready, timeline):
        step = f.steps[step_id]
        assert instant(event["at"]) == ready_time
        assert instant(event["data"]["due_at"]) == due
        assert event["data"]["office"] == step_office(step, path.desk, competent)
        assert Decimal(event["data"]["allotment_days"]) == step.allotment
    completed = [e for e in events if e["type"] == "step_completed"]
    assert [e["step"] for e in completed] == [s for s, *_ in timeline]
    for event, (step_id, _task, _ready, due, done_at) in zip(completed, timeline):
        # the wait for the applicant's supplement runs on a stopped clock: its due time moves with
        # the pause, so it is never judged late (test_the_supplement_wait_is_not_reported_late)
        expected = True if f.steps[step_id].pause_clock else done_at <= due
        assert event["data"]["on_time"] == expected, step_id
    finished = [e for e in events if e["type"] == "finished"]
    assert [e["data"]["status"] for e in finished] == [path.status]
    # a longer legal time: one event each, right after the step it belongs to became ready
    longer = [e for e in events if e["type"] == "legal_time_extended"]
    assert [(e["step"], instant(e["data"]["old_due_at"]), instant(e["data"]["due_at"]),
             Decimal(e["data"]["legal_days"])) for e in longer] == extended
    for e in longer:
        before = events[events.index(e) - 1]
        assert (before["type"], before["step"]) == ("step_ready", e["step"])
        assert e["data"]["reason"]
    if any(d.fire_timers for d in path.steps):
        fired = [e for e in events if e["type"] == "timer_fired"]
        assert len(fired) == 1
        if "reminder" in path.anchors:
            assert instant(fired[0]["data"]["due_at"]) == instant(path.anchors["reminder"])

    # hand-computed values, as a check on the check
    if "clock_start" in path.anchors:
        assert dossier["clock_start"] == path.anchors["clock_start"]
    if "due_at" in path.anchors:
        assert dossier["due_at"] == path.anchors["due_at"]
    if "steps" in path.anchors:
        assert [e["data"]["due_at"] for e in ready] == path.anchors["steps"]


# --------------------------------------------------------------------------- receipt and routing

@pytest.mark.parametrize("code,desk,status", [
    ("giay-phep-xay-dung", "UBND.YENSON", 403),       # not boundary-free: only its own desk …
    ("giay-phep-xay-dung", "TTPVHCC", 201),           # … or the provincial centre
    ("giao-dat-cho-thue-dat", "UBND.MINHXUAN", 403),
    ("giao-dat-cho-thue-dat", "SNNMT", 201),
    ("ly-lich-tu-phap", "UBND.YENSON", 201),          # boundary-free: any desk
])
def test_who_may_receive(code, desk, status, client, clock, publish):
    publish(read_package(code))
    person = People(client, clock).staff(desk, "receiver")
    r = receive(person, code, {})
    assert r.status_code == status, r.get_json()
    if status == 201:
        step = only_step(r.get_json())
        assert (step["lane"], step["office"]) == ("receiver", desk)
        assert person.inbox() == [step["task_id"]]


SATURDAY_CASES = [
    # code, desk, hour, channel, accepted
    ("dang-ky-ho-kinh-doanh", "UBND.MINHXUAN", 9, "direct", True),    # morning service, morning procedure
    ("dang-ky-ho-kinh-doanh", "UBND.MINHXUAN", 13.5, "direct", False),  # the desk serves mornings only
    ("dang-ky-ho-kinh-doanh", "UBND.YENSON", 9, "direct", False),     # a desk without Saturday service
    ("trich-luc-ho-tich", "UBND.MINHXUAN", 9, "direct", False),       # a procedure without Saturday service
    ("trich-luc-ho-tich", "UBND.YENSON", 9, "online", True),          # online: no desk to be open
    ("ly-lich-tu-phap", "TTPVHCC", 9, "direct", True),                # full-day centre, morning procedure
    ("ly-lich-tu-phap", "TTPVHCC", 14, "direct", False),
    ("giao-dat-cho-thue-dat", "TTPVHCC", 14, "direct", True),         # land: full day at the centre
]


@pytest.mark.parametrize("code,desk,hour,channel,accepted", SATURDAY_CASES,
                         ids=[f"{c}@{d}-{h}h-{ch}" for c, d, h, ch, _ in SATURDAY_CASES])
def test_saturday_receipt(code, desk, hour, channel, accepted, client, clock, settings, publish):
    f = facts(code)
    legal = LegalClock.of(settings)
    publish(read_package(code))
    saturday = SATURDAY + H(hour)
    clock.freeze(saturday)
    person = People(client, clock).staff(desk, "receiver")
    r = receive(person, code, {}, channel=channel)
    if not accepted:
        assert r.status_code == 409, r.get_json()
        body = r.get_json()
        assert r.mimetype == "application/problem+json"
        assert body["type"].endswith("/desk-closed")
        assert "07:30 ngày 30/11/2026" in body["detail"]
        assert body["next_opening"] == "2026-11-30T07:30:00+07:00"
        assert person.get("/api/v1/dossiers").get_json()["total"] == 0
        return
    assert r.status_code == 201, r.get_json()
    dossier = r.get_json()
    assert dossier["code"].startswith(f"{desk}-261128-")
    assert instant(dossier["received_at"]) == saturday
    # Saturday service opens the desk; the clock starts on the next working day
    assert dossier["clock_start"] == "2026-11-30T07:30:00+07:00"
    assert instant(dossier["due_at"]) == legal.due(MONDAY_OPENING, f.manifest["legal_days"])
    step = only_step(dossier)
    first = next(s for s in f.steps.values() if s.name == step["name"])
    assert (first.lane, step["office"]) == ("receiver", desk)
    assert instant(step["due_at"]) == legal.due(MONDAY_OPENING, first.allotment)
    if code == "dang-ky-ho-kinh-doanh":
        # 3 days from Monday 07:30 → Wednesday 17:00; the desk's 0.5 day → Monday 11:30
        assert (dossier["due_at"], step["due_at"]) == ("2026-12-02T17:00:00+07:00", "2026-11-30T11:30:00+07:00")


# ------------------------------------------------------------------- a supplement round's own step

def test_the_supplement_wait_is_not_reported_late(client, clock, settings, publish):
    legal = LegalClock.of(settings)
    publish(read_package("giay-phep-xay-dung"))
    people = People(client, clock)
    desk = people.staff("UBND.MINHXUAN", "receiver")
    specialist = people.staff("UBND.MINHXUAN", "specialist")
    f = facts("giay-phep-xay-dung")
    dossier = receive(desk, "giay-phep-xay-dung", {}).get_json()
    desk.post(f"/api/v1/tasks/{only_step(dossier)['task_id']}/complete",
              json={"data": sample(f.forms["kiem_tra_ho_so"])})
    dossier = desk.get(f"/api/v1/dossiers/{dossier['code']}").get_json()
    clock.advance(H(2))
    r = specialist.post(f"/api/v1/tasks/{only_step(dossier)['task_id']}/complete",
                        json={"data": sample(f.forms["tham_dinh"], **SUPPLEMENT)})
    wait = only_step(r.get_json())
    paused_from = clock.now()
    clock.advance(D(2))                              # the applicant comes back two working days later
    desk = people.staff("UBND.MINHXUAN", "receiver")
    r = desk.post(f"/api/v1/tasks/{wait['task_id']}/complete",
                  json={"data": sample(f.forms["tiep_nhan_bo_sung"])})
    assert r.status_code == 200
    events = desk.get(f"/api/v1/dossiers/{dossier['code']}/history").get_json()["events"]
    done = [e for e in events if e["type"] == "step_completed" and e["step"] == "tiep_nhan_bo_sung"][0]
    assert done["data"]["due_at"] == legal.shifted(instant(wait["due_at"]), paused_from, clock.now()).isoformat()
    assert done["data"]["on_time"] is True


# ----------------------------------------------------------------------- the demo, as `make run`

def test_seed_demo_publishes_the_library_and_a_clerk_receives_each(db_url, client, clock, settings):
    """`motcua seed-demo` (as `make run` runs it) publishes all eight; each can be received."""
    result = CliRunner().invoke(cli_main, ["seed-demo"],
                                env={"DATABASE_URL": db_url, "MOTCUA_ENV": "test"})
    assert result.exit_code == 0, result.output
    people = People(client, clock)
    listed = people("designer").get("/api/v1/procedures?per_page=100").get_json()["items"]
    codes = sorted(p.name for p in BPMN_DIR.iterdir() if (p / "process.bpmn").is_file())
    assert sorted(p["code"] for p in listed) == codes
    for code in codes:
        manifest = facts(code).manifest
        competent = manifest["competent_office"]
        desk = competent if competent.startswith("UBND.") else "TTPVHCC"
        r = receive(people.staff(desk, "receiver"), code, {})
        assert r.status_code == 201, (code, r.get_json())
        assert r.get_json()["procedure_version"] == 1
        step = only_step(r.get_json())
        assert (step["lane"], step["office"]) == ("receiver", desk)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_make_run_serves_the_library(tmp_path):
    """`make run`'s three commands on a fresh database: the server answers with all eight published
    and a clerk can receive a dossier of each (clock started on a working Wednesday morning)."""
    command = os.path.join(os.path.dirname(sys.executable), "motcua")
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'run.sqlite'}", "MOTCUA_ENV": "test",
           "MOTCUA_CLOCK_START": "2026-11-25T08:00:00+07:00"}
    for args in (["init-db"], ["seed-demo"]):
        done = subprocess.run([command, *args], env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stdout + done.stderr
    port = _free_port()
    server = subprocess.Popen([command, "serve", "--host", "127.0.0.1", "--port", str(port)], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}/api/v1"

    def call(method, url, body=None, token=None):
        request = urllib.request.Request(base + url, method=method,
                                         data=json.dumps(body).encode() if body is not None else None,
                                         headers={"Content-Type": "application/json",
                                                  **({"Authorization": f"Bearer {token}"} if token else {})})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as err:
            return err.code, json.loads(err.read() or b"{}")

    try:
        for _ in range(200):
            try:
                if call("GET", "/health")[0] == 200:
                    break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("the server did not start")
        tokens = {}

        def token(username):
            if username not in tokens:
                status, body = call("POST", "/auth/token", {"username": username, "password": "motcua-demo"})
                assert status == 200, body
                tokens[username] = body["access_token"]
            return tokens[username]

        status, body = call("GET", "/procedures?per_page=100", token=token("designer"))
        assert status == 200
        codes = sorted(p.name for p in BPMN_DIR.iterdir() if (p / "process.bpmn").is_file())
        assert sorted(p["code"] for p in body["items"]) == codes
        for code in codes:
            f = facts(code)
            competent = f.manifest["competent_office"]
            desk = competent if competent.startswith("UBND.") else "TTPVHCC"
            status, dossier = call("POST", "/dossiers", {
                "procedure_code": code, "channel": "direct", "applicant": APPLICANT,
                "data": sample(f.forms[f.manifest["application_form"]]),
                "documents": [{"name": d["name"], "digitized": True} for d in f.manifest["documents"]]},
                token=token(f"{STAFF[desk]}.receiver"))
            assert status == 201, (code, dossier)
            assert dossier["status"] == "processing" and dossier["current_steps"][0]["office"] == desk
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
