"""766 indicator 3.3: an online dossier of a procedure with a paper result counts only once its
electronic result file is attached (the condition now reads the `files` table)."""
from __future__ import annotations

from datetime import timedelta

from tests.api.helpers import API, receive, simple_package, staff
from tests.files.helpers import PDF, uploaded


def _online_33(admin) -> tuple:
    r = admin.get(f"{API}/reports/index766?office=UBND.MINHXUAN&month=2026-11")
    assert r.status_code == 200, r.get_json()
    item = next(i for g in r.get_json()["groups"] for i in g["indicators"] if i["code"] == "3.3")
    return item["numerator"], item["denominator"]


def test_online_dossier_with_paper_result_counts_once_its_result_file_is_issued(publish, client, login, clock):
    publish(simple_package(paper_result=True))
    desk, specialist, leader = staff(client, "minhxuan.receiver", "minhxuan.specialist", "minhxuan.leader")
    other, = staff(client, "yenson.leader")
    admin = login("admin")
    code = receive(desk, channel="online")["code"]
    clock.advance(timedelta(minutes=5))  # the month so far ends now
    assert _online_33(admin) == (0, 1)
    result = uploaded(specialist, PDF, "ket-qua.pdf")  # scanned by a colleague of the same office
    foreign = uploaded(other, PDF + b"yenson", "khac.pdf")
    r = leader.post(f"{API}/dossiers/{code}/result", json={"file_id": foreign["id"]})
    assert r.status_code == 422, r.get_json()  # another office's upload cannot be used
    r = leader.post(f"{API}/dossiers/{code}/result", json={"file_id": result["id"], "number": "01/GP"})
    assert r.status_code == 200, r.get_json()
    assert _online_33(admin) == (1, 1)
