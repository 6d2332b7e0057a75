"""The auditor's page over HTTP: a dossier's history in words (Vietnamese event names, full names,
offices by name, dd/mm/yyyy hh:mm, the data each step wrote under its form's titles), the verdict in
words, the CSV export, verification page by page, and who may read it."""
from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timedelta

from sqlalchemy import text

from motcua.domain.events import TYPES
from motcua.services.audit_words import EVENT_NAMES
from tests.api.helpers import API, complete, only_step, problem, receive, simple_package, staff
from tests.audit.test_chain_tampering import tampering

WHEN = re.compile(r"^\d{2}/\d{2}/\d{4} \d{2}:\d{2}$")


def done_dossier(client) -> str:
    desk, specialist, leader = staff(client, "minhxuan.receiver", "minhxuan.specialist", "minhxuan.leader")
    dossier = receive(desk)
    step = only_step(complete(desk, only_step(dossier)["task_id"], {"checked": True, "note": "Đủ giấy tờ"}))
    step = only_step(complete(specialist, step["task_id"], {"decision": "approve", "opinion": "Đủ điều kiện"}))
    assert complete(leader, step["task_id"], {"signed": True})["status"] == "done"
    return dossier["code"]


def test_every_event_type_has_a_vietnamese_name():
    assert set(TYPES) <= set(EVENT_NAMES)


def test_the_timeline_reads_in_words(client, login, publish):
    publish(simple_package())
    code = done_dossier(client)
    names = {u: login(u).get(f"{API}/users/me").get_json()["full_name"]
             for u in ("minhxuan.receiver", "minhxuan.specialist", "minhxuan.leader")}
    office = [o for o in login("admin").get(f"{API}/offices").get_json()["items"] if o["code"] == "UBND.MINHXUAN"][0]

    timeline = login("auditor").get(f"{API}/dossiers/{code}/audit/timeline").get_json()
    assert timeline["code"] == code and timeline["procedure"] == "Thủ tục thử nghiệm"
    assert timeline["chain_valid"] is True and timeline["replay"]["consistent"] is True
    assert timeline["verdict"]["ok"] is True and "nguyên vẹn" in timeline["verdict"]["text"]
    events = timeline["events"]
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    for e in events:
        assert WHEN.match(e["when"]), e["when"]
        assert e["name"] == EVENT_NAMES[e["type"]]
        assert "UBND.MINHXUAN" not in str(e) and "minhxuan." not in str(e)  # names, never codes or usernames
    received = events[0]
    assert received["name"] == "Tiếp nhận hồ sơ" and received["actor"] == names["minhxuan.receiver"]
    fields = {f["label"]: f["value"] for f in received["fields"]}
    assert fields["Nơi tiếp nhận"] == office["name"] and fields["Kênh tiếp nhận"] == "Trực tiếp"
    assert fields["Số bản"] == "2" and fields["Phí mỗi bản"] == "5000"  # the application form's titles
    done = [e for e in events if e["type"] == "step_completed"]
    assert [e["actor"] for e in done] == [names[u] for u in ("minhxuan.receiver", "minhxuan.specialist",
                                                             "minhxuan.leader")]
    appraise = {f["label"]: f["value"] for f in done[1]["fields"] if f.get("form")}
    assert appraise == {"Kết luận": "approve", "Ý kiến thẩm định": "Đủ điều kiện"}
    assert done[1]["step"] == "Thẩm định hồ sơ" and "Thẩm định hồ sơ" in done[1]["summary"]
    desk = {f["label"]: f["value"] for f in done[0]["fields"] if f.get("form")}
    assert desk == {"Đã kiểm tra thành phần hồ sơ": "Có", "Ghi chú": "Đủ giấy tờ"}
    assert events[-1]["type"] == "finished" and "Đã có kết quả" in events[-1]["summary"]

    export = login("auditor").get(f"{API}/dossiers/{code}/audit/timeline?format=csv")
    assert export.status_code == 200 and export.mimetype == "text/csv"
    assert f"dong-thoi-gian-{code}.csv" in export.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(export.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[1][0] == "Kết luận" and "nguyên vẹn" in rows[1][1]
    table = rows[rows.index(["STT", "Thời điểm", "Sự kiện", "Người thực hiện", "Bước", "Nội dung", "Chi tiết",
                             "Mã băm"]) + 1:]
    assert len(table) == len(events) and table[0][2] == "Tiếp nhận hồ sơ" and WHEN.match(table[0][1])


def test_a_tampered_history_gets_a_verdict_in_words(app, client, login, publish):
    publish(simple_package())
    code = done_dossier(client)
    with tampering(app) as conn:
        conn.execute(text("UPDATE events SET actor = 'admin' WHERE seq = 3 AND "
                          "dossier_id = (SELECT id FROM dossiers WHERE code = :code)"), {"code": code})
    timeline = login("auditor").get(f"{API}/dossiers/{code}/audit/timeline").get_json()
    assert timeline["chain_valid"] is False and timeline["verdict"]["ok"] is False
    assert f"sự kiện số {timeline['first_broken']}" in timeline["verdict"]["text"]
    assert timeline["first_broken"] == 3
    assert [e["seq"] for e in timeline["events"] if e["broken"]][0] == 3


def test_only_auditors_and_admins_read_the_timeline(client, login, publish):
    publish(simple_package())
    code = done_dossier(client)
    for username in ("minhxuan.receiver", "minhxuan.specialist", "minhxuan.leader", "designer", "yenson.leader"):
        problem(login(username).get(f"{API}/dossiers/{code}/audit/timeline"), 403)
    for username in ("auditor", "admin"):
        assert login(username).get(f"{API}/dossiers/{code}/audit/timeline").status_code == 200
        problem(login(username).get(f"{API}/dossiers/KHONG-CO/audit/timeline"), 404)
        problem(login(username).get(f"{API}/dossiers/{code}/audit/timeline?format=pdf"), 422)
    problem(client.get(f"{API}/dossiers/{code}/audit/timeline"), 401)


def test_verification_page_by_page(client, login, publish):
    publish(simple_package())
    codes = [done_dossier(client) for _ in range(3)]
    auditor = login("auditor")
    whole = auditor.post(f"{API}/audit/verify").get_json()
    assert whole["checked"] == 3 and "total" not in whole and "next" not in whole  # the contract's answer
    seen, cursor, pages = 0, 0, 0
    while True:
        page = auditor.post(f"{API}/audit/verify", json={"after": cursor, "limit": 2}).get_json()
        assert page["total"] == 3 and page["broken"] == []
        seen += page["checked"]
        pages += 1
        if "next" not in page or page["checked"] == 0:
            break
        cursor = page["next"]
    assert seen == 3 and pages == 2 and len(codes) == 3
    problem(auditor.post(f"{API}/audit/verify", json={"limit": 0}), 422)
    problem(login("minhxuan.leader").post(f"{API}/audit/verify", json={"limit": 2}), 403)


def test_supplements_and_an_apology_read_in_words(client, login, publish):
    publish(simple_package())
    desk, leader = staff(client, "minhxuan.receiver", "minhxuan.leader")
    code = receive(desk)["code"]
    r = desk.post(f"{API}/dossiers/{code}/supplement-request", json={"reason": "Thiếu bản sao", "items": ["Bản sao CCCD"]})
    assert r.status_code == 200, r.get_json()
    r = desk.post(f"{API}/dossiers/{code}/supplement", json={"documents": [{"name": "Bản sao CCCD", "digitized": True}]})
    assert r.status_code == 200, r.get_json()
    later = (datetime.fromisoformat(r.get_json()["due_at"]) + timedelta(days=1)).isoformat()
    r = leader.post(f"{API}/dossiers/{code}/apology", json={"reason": "Cần xác minh", "new_due_at": later})
    assert r.status_code == 200, r.get_json()
    timeline = login("auditor").get(f"{API}/dossiers/{code}/audit/timeline").get_json()
    by_type = {e["type"]: e for e in timeline["events"]}
    asked = {f["label"]: f["value"] for f in by_type["supplement_requested"]["fields"]}
    assert asked == {"Lý do": "Thiếu bản sao", "Nội dung cần bổ sung": "Bản sao CCCD", "Người yêu cầu": "Cán bộ yêu cầu"}
    given = {f["label"]: f["value"] for f in by_type["supplemented"]["fields"]}
    assert given["Giấy tờ"] == "Bản sao CCCD (1 bản)" and WHEN.match(given["Tạm dừng từ"])
    assert WHEN.match(given["Hạn cũ"]) and WHEN.match(given["Hạn"])
    apology = {f["label"]: f["value"] for f in by_type["apology"]["fields"]}
    assert apology["Lý do"] == "Cần xác minh" and WHEN.match(apology["Hạn mới"])
    assert apology["Người ký"] == login("minhxuan.leader").get(f"{API}/users/me").get_json()["full_name"]
    for event in timeline["events"]:
        for item in event["fields"]:
            assert not re.search(r"\d{4}-\d{2}-\d{2}T", item["value"]), item  # no raw ISO times
