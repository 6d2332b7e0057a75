"""Issue 6: every procedure of bpmn/, driven through each of its paths, replays consistently.

Each path is a dossier received at a real desk and worked over the REST API by the demo user of
the step's lane role at the step's office, with time passing between steps. Some paths add what
people and the scheduler do around the steps: a supplement round asked by staff, the deadline
watch (overdue, apology required), an apology with a new date, the BPMN reminder timer. At the
end the auditor's replay of the dossier must agree with everything stored.
"""
from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from datetime import timedelta
from functools import lru_cache

import pytest
import yaml
from lxml import etree

from motcua.clock import parse_instant
from motcua.seed import STAFF
from tests.conftest import BPMN_DIR, T0, read_package

NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
      "spiffworkflow": "http://spiffworkflow.org/bpmn/schema/1.0/core"}
APPLICANT = {"name": "Nguyễn Văn Bình", "id_number": "008090001234", "phone": "0912345678"}
APPROVE, REFUSE, SUPPLEMENT = {"decision": "approve"}, {"decision": "refuse"}, {"decision": "supplement"}
NO_VERIFY, VERIFY = {"needs_verification": False}, {"needs_verification": True}


def H(hours: float) -> timedelta:
    return timedelta(hours=hours)


def D(days: float, hours: float = 0) -> timedelta:
    return timedelta(days=days, hours=hours)


@dataclass(frozen=True)
class Step:
    name: str
    role: str
    office: str | None
    form: str


@lru_cache(maxsize=None)
def library(code: str):
    folder = BPMN_DIR / code
    manifest = yaml.safe_load((folder / "manifest.yaml").read_text(encoding="utf-8"))
    forms = {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in (folder / "forms").glob("*.json")}
    doc = etree.parse(str(folder / "process.bpmn"))
    lanes = {ref.text.strip(): lane.get("name")
             for lane in doc.iterfind(".//bpmn:lane", NS) for ref in lane.iterfind("bpmn:flowNodeRef", NS)}
    steps = {}
    for task in doc.iterfind(".//bpmn:userTask", NS):
        props = {p.get("name"): p.get("value") for p in task.iterfind(".//spiffworkflow:property", NS)}
        office, _, role = lanes[task.get("id")].rpartition(":")
        steps[task.get("id")] = Step(task.get("name"), role, office or None, props["form"])
    return manifest, forms, steps


def sample(schema: dict, **choices) -> dict:
    data = {name: copy.deepcopy(prop["examples"][0]) for name, prop in schema["properties"].items()}
    data.update(choices)
    return data


# ----------------------------------------------------------------------------------- the paths

@dataclass
class Do:
    """Wait `after`, then complete step `step` with these choices (or take one of the dossier's
    actions: `step` is then `!supplement-request`, `!supplement`, `!apology` or `!tick`)."""

    step: str
    after: timedelta = field(default_factory=lambda: H(2))
    data: dict = field(default_factory=dict)


@dataclass
class Path:
    code: str
    name: str
    desk: str
    steps: list
    status: str
    application: dict = field(default_factory=dict)


PATHS = [
    Path("trich-luc-ho-tich", "happy", "UBND.MINHXUAN", [
        Do("kiem_tra_ho_so", H(1)), Do("tra_cuu_in_trich_luc", H(2), APPROVE), Do("ky_trich_luc", H(1)),
        Do("tra_ket_qua", H(1))], "done"),
    Path("trich-luc-ho-tich", "refusal", "UBND.YENSON", [
        Do("kiem_tra_ho_so"), Do("tra_cuu_in_trich_luc", data=REFUSE)], "rejected"),
    Path("trich-luc-ho-tich", "late, with the deadline watch and an apology", "UBND.MINHXUAN", [
        Do("kiem_tra_ho_so", H(1)), Do("!tick", H(6)), Do("!apology", H(0.5)), Do("!tick", D(1)),
        Do("tra_cuu_in_trich_luc", H(1), APPROVE), Do("ky_trich_luc", H(1)), Do("tra_ket_qua", H(1))], "done"),
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
    Path("lien-thong-khai-sinh", "happy", "UBND.MINHXUAN", [
        Do("kiem_tra_ho_so", H(1)), Do("dang_ky_khai_sinh", H(2)), Do("ky_giay_khai_sinh", H(1)),
        Do("dang_ky_thuong_tru", D(1), NO_VERIFY), Do("cap_the_bhyt", D(1)), Do("tra_ket_qua", H(2))], "done"),
    Path("lien-thong-khai-sinh", "verification, with a supplement asked by the police", "UBND.YENSON", [
        Do("kiem_tra_ho_so", H(1)), Do("dang_ky_khai_sinh", H(2)), Do("ky_giay_khai_sinh", H(1)),
        Do("dang_ky_thuong_tru", D(1), VERIFY), Do("!supplement-request", H(3)), Do("!supplement", D(1, 2)),
        Do("xac_minh_thuong_tru", D(2)), Do("cap_the_bhyt", D(1, 2)), Do("tra_ket_qua", H(2))], "done"),
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
    Path("giay-phep-xay-dung", "happy, with the reminder timer", "UBND.MINHXUAN", [
        Do("tiep_nhan", H(2)), Do("!tick", D(9, 4)), Do("tham_dinh", H(0.5), APPROVE),
        Do("phe_duyet", H(2)), Do("tra_ket_qua", D(2, 17))], "done"),
    Path("giay-phep-xay-dung", "supplement step, the reminder timer moved by a staff supplement", "UBND.MINHXUAN", [
        Do("tiep_nhan", H(2)), Do("!supplement-request", D(2)), Do("!supplement", D(3)), Do("!tick", D(7, 3)),
        Do("tham_dinh", H(1), SUPPLEMENT), Do("tiep_nhan_bo_sung", D(2)), Do("tham_dinh_bo_sung", H(3), APPROVE),
        Do("phe_duyet", H(2)), Do("tra_ket_qua", H(1))], "done"),
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
    Path("dang-ky-ho-kinh-doanh", "happy", "UBND.MINHXUAN", [
        Do("tiep_nhan", H(2)), Do("tham_dinh", D(1), APPROVE), Do("ky_gcn", H(2)), Do("tra_ket_qua", H(2))], "done"),
    Path("dang-ky-ho-kinh-doanh", "refusal", "UBND.YENSON", [
        Do("tiep_nhan", H(2)), Do("tham_dinh", D(1), REFUSE)], "rejected"),
    Path("dang-ky-ho-kinh-doanh", "overdue, apology, then done", "UBND.MINHXUAN", [
        Do("tiep_nhan", H(2)), Do("!tick", D(2, 6)), Do("!apology", H(1)), Do("tham_dinh", H(2), APPROVE),
        Do("!tick", D(1)), Do("ky_gcn", H(2)), Do("tra_ket_qua", H(2))], "done"),
    Path("ly-lich-tu-phap", "happy", "TTPVHCC", [
        Do("tiep_nhan", H(2)), Do("tra_cuu_lltp", D(1)), Do("tra_cuu_an_tich", D(3), NO_VERIFY),
        Do("lap_phieu", D(1)), Do("ky_phieu", H(3), APPROVE), Do("tra_ket_qua", H(2))], "done"),
    Path("ly-lich-tu-phap", "verification, with a supplement round", "TTPVHCC", [
        Do("tiep_nhan", H(2)), Do("!supplement-request", H(3)), Do("!supplement", D(2)), Do("tra_cuu_lltp", D(1)),
        Do("tra_cuu_an_tich", D(3), VERIFY), Do("xac_minh", D(4)), Do("lap_phieu", D(1)),
        Do("ky_phieu", H(3), APPROVE), Do("tra_ket_qua", H(2))], "done"),
    Path("ly-lich-tu-phap", "refusal", "TTPVHCC", [
        Do("tiep_nhan", H(2)), Do("tra_cuu_lltp", D(1)), Do("tra_cuu_an_tich", D(3), NO_VERIFY),
        Do("lap_phieu", D(1)), Do("ky_phieu", H(3), REFUSE)], "rejected"),
]
LIBRARY = sorted(p.name for p in BPMN_DIR.iterdir() if (p / "process.bpmn").is_file())


def test_the_paths_cover_every_step_and_end_of_the_library():
    assert {p.code for p in PATHS} == set(LIBRARY)
    for code in LIBRARY:
        _, _, steps = library(code)
        paths = [p for p in PATHS if p.code == code]
        assert {d.step for p in paths for d in p.steps if not d.step.startswith("!")} == set(steps), code


# ---------------------------------------------------------------------------------- the driver

class People:
    """Signed-in clients; a fresh token once the moved clock nears the old one's expiry."""

    def __init__(self, client, clock):
        self.client, self.clock, self.tokens = client, clock, {}

    def __call__(self, username):
        token, expires = self.tokens.get(username, (None, None))
        if token is None or expires <= self.clock.now() + H(1):
            r = self.client.post("/api/v1/auth/token", json={"username": username, "password": "motcua-demo"})
            assert r.status_code == 200, r.get_json()
            token, expires = r.get_json()["access_token"], parse_instant(r.get_json()["expires_at"])
            self.tokens[username] = (token, expires)
        headers = {"Authorization": f"Bearer {token}"}
        client = self.client

        class _As:
            def get(self, url):
                return client.get(url, headers=headers)

            def post(self, url, json=None):
                return client.post(url, json=json if json is not None else {}, headers=headers)
        return _As()


def drive(path: Path, app, client, clock) -> str:
    from scheduler.jobs import tick
    manifest, forms, steps = library(path.code)
    competent = manifest["competent_office"]
    people = People(client, clock)
    desk = f"{STAFF[path.desk]}.receiver"
    clock.freeze(T0)
    r = people(desk).post("/api/v1/dossiers", json={
        "procedure_code": path.code, "channel": "direct", "applicant": APPLICANT,
        "data": sample(forms[manifest["application_form"]], **path.application),
        "documents": [{"name": d["name"], "digitized": True} for d in manifest["documents"]]})
    assert r.status_code == 201, r.get_json()
    dossier = r.get_json()
    code = dossier["code"]
    competent_staff = f"{STAFF[competent]}.specialist"
    for do in path.steps:
        clock.advance(do.after)
        if do.step == "!tick":
            tick(app.extensions["motcua"], clock.now())
            continue
        if do.step.startswith("!"):
            action, user, body = do.step[1:], competent_staff, {}
            if action == "supplement-request":
                body = {"reason": "Cần bổ sung giấy tờ", "items": ["Bản sao có chứng thực"]}
            elif action == "supplement":
                user, body = desk, {"documents": [{"name": "Bản sao có chứng thực", "digitized": True}]}
            elif action == "apology":
                body = {"reason": "Cần thêm thời gian xác minh",
                        "new_due_at": (clock.now() + D(10)).isoformat()}
            r = people(user).post(f"/api/v1/dossiers/{code}/{action}", json=body)
            assert r.status_code == 200, (path.name, do.step, r.get_json())
            dossier = r.get_json()
            continue
        step = steps[do.step]
        office = step.office or (path.desk if step.role == "receiver" else competent)
        current = people(desk).get(f"/api/v1/dossiers/{code}").get_json()["current_steps"]
        task = [s["task_id"] for s in current if s["name"] == step.name]
        assert len(task) == 1, (path.name, do.step, current)
        r = people(f"{STAFF[office]}.{step.role}").post(
            f"/api/v1/tasks/{task[0]}/complete", json={"data": sample(forms[step.form], **do.data)})
        assert r.status_code == 200, (path.name, do.step, r.get_json())
        dossier = r.get_json()
    assert dossier["status"] == path.status, path.name
    return code


@pytest.mark.parametrize("code", LIBRARY)
def test_every_path_replays_consistently(code, app, client, clock, publish, login):
    publish(read_package(code))
    auditor = People(client, clock)
    for path in [p for p in PATHS if p.code == code]:
        dossier = drive(path, app, client, clock)
        r = auditor("auditor").get(f"/api/v1/dossiers/{dossier}/audit")
        assert r.status_code == 200, r.get_json()
        result = r.get_json()
        assert result["chain_valid"] is True, (path.name, result["first_broken"])
        assert result["replay"]["consistent"] is True, (path.name, result["replay"])
        assert result["replay"]["ignored_types"] == [], path.name
        types = [e["type"] for e in result["events"]]
        for do in path.steps:
            if do.step in ("!supplement-request", "!supplement", "!apology"):
                assert {"!supplement-request": "supplement_requested", "!supplement": "supplemented",
                        "!apology": "apology"}[do.step] in types, path.name
        if "timer" in path.name:
            assert "timer_fired" in types, path.name
        if "timer moved" in path.name:
            assert any(e["type"] == "supplemented" and e["data"].get("timers") for e in result["events"])
