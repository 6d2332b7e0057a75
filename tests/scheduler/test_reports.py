"""Periodic reports: the monthly report on the first working day, reporting-deadline reminders, the 766 index."""
from __future__ import annotations

import copy

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from motcua.config import load_settings
from motcua.db.models import Office, ReportRun
from tests.scheduler.helpers import SIMPLE, at, complete, notes, publish, receive, tick


def _runs(platform, period=None):
    with platform.uow() as uow:
        query = select(ReportRun)
        if period:
            query = query.where(ReportRun.period == period)
        return list(uow.session.scalars(query.order_by(ReportRun.key)))


def _office_count(platform):
    with platform.uow() as uow:
        return uow.session.scalar(select(func.count(Office.id)))


def _december(platform, clock):
    """Two dossiers at Minh Xuân in December 2026: one online finished on time, one direct left overdue."""
    publish(platform, SIMPLE)
    clock.freeze(at("2026-12-07T08:00:00+07:00"))
    done = receive(platform, "thu-tuc-thu", channel="online")
    late = receive(platform, "thu-tuc-thu")
    complete(platform, done, "minhxuan.receiver", {"checked": True})
    complete(platform, done, "minhxuan.specialist", {"decision": "approve", "opinion": "Đủ điều kiện"})
    complete(platform, done, "minhxuan.leader", {"signed": True})
    return done, late


def test_monthly_report_on_the_first_working_day_once_per_office(people, clock):
    platform = people
    done, late = _december(platform, clock)
    offices = _office_count(platform)

    # Saturday 02/01/2027: November's report (due Tue 01/12) is caught up; December's is not due:
    # 01/01 is New Year's Day, so the first working day of January is Monday 04/01.
    assert tick(platform, "2027-01-02T09:00:00+07:00")["reports"] == offices + 1
    assert {r.period for r in _runs(platform)} == {"2026-11"}
    assert tick(platform, "2027-01-04T07:29:59+07:00")["reports"] == 0
    assert tick(platform, "2027-01-04T07:30:00+07:00")["reports"] == offices + 1
    assert tick(platform, "2027-01-04T09:00:00+07:00")["reports"] == 0
    assert len(_runs(platform, "2026-12")) == offices + 1

    (minhxuan,) = [r for r in _runs(platform, "2026-12") if r.key == "monthly:UBND.MINHXUAN:2026-12"]
    f = minhxuan.figures["figures"]
    # the finished one was on time; the open one passed its due time (Thu 10/12 08:00) in December
    assert (f["received"], f["received_online"], f["finished"], f["on_time"], f["late"]) == (2, 1, 1, 1, 1)
    assert (f["in_progress"], f["overdue_in_progress"]) == (1, 1)
    assert len(minhxuan.figures["groups"]) == 5 and minhxuan.revision == 1 and minhxuan.corrects_id is None

    (note,) = [n for n in notes(platform, "minhxuan.leader", "monthly_report") if "12/2026" in n.title]
    assert "tiếp nhận 2 hồ sơ (1 trực tuyến)" in note.body and "Chỉ số 766" in note.body
    assert "1 đúng hạn hoặc còn hạn, 1 trễ hạn" in note.body
    assert any("toàn tỉnh" in n.title and "12/2026" in n.title for n in notes(platform, "ubndtinh.leader",
                                                                               "monthly_report"))
    assert len(notes(platform, "minhxuan.leader", "monthly_report")) == 2  # November and December, once each


def test_reminders_before_the_reporting_deadline(people, clock):
    platform = people
    # Deadline of the Q4 and annual reports: Tuesday 15/12/2026. Five working days before: Tue 08/12.
    assert tick(platform, "2026-12-07T17:00:00+07:00")["report_reminders"] == 0
    assert tick(platform, "2026-12-08T07:30:00+07:00")["report_reminders"] == 1
    assert tick(platform, "2026-12-09T09:00:00+07:00")["report_reminders"] == 0
    (first,) = notes(platform, "stp.leader", "report_deadline")
    assert "báo cáo quý IV năm 2026" in first.title and "báo cáo năm 2026" in first.title
    assert "15/12/2026" in first.body
    assert notes(platform, "stp.specialist", "report_deadline") == []
    assert tick(platform, "2026-12-14T07:30:00+07:00")["report_reminders"] == 1  # one working day before
    assert len(notes(platform, "stp.leader", "report_deadline")) == 2
    assert tick(platform, "2026-12-15T17:00:00+07:00")["report_reminders"] == 0  # past the deadline


def test_after_downtime_only_the_latest_reminder_is_sent(people, clock):
    platform = people
    # offline from before 08/12 until Monday 14/12 09:00: the 5-day reminder is not sent late
    assert tick(platform, "2026-12-14T09:00:00+07:00")["report_reminders"] == 1
    (only,) = notes(platform, "snnmt.leader", "report_deadline")
    assert only.data["days_before"] == 1
    # half-year report: due Monday 15/06/2027, with the Q2 report
    tick(platform, "2027-06-14T08:00:00+07:00")
    titles = [n.title for n in notes(platform, "snnmt.leader", "report_deadline")]
    assert any("6 tháng đầu năm 2027" in t and "quý II năm 2027" in t for t in titles)


def test_index766_contract_shape_stored_snapshot_and_corrections(people, clock, login):
    platform = people
    done, late = _december(platform, clock)
    clock.freeze(at("2027-01-05T09:00:00+07:00"))
    api = login("minhxuan.specialist")
    r = api.get("/api/v1/reports/index766?office=UBND.MINHXUAN&month=2026-12")
    assert r.status_code == 200, r.get_json()
    index = r.get_json()
    assert {"office", "month", "total", "measured_max", "groups"} <= set(index)
    assert (index["office"], index["month"], index["stored"]) == ("UBND.MINHXUAN", "2026-12", False)
    assert [g["code"] for g in index["groups"]] == ["1", "2", "3", "4", "5"]
    assert [g["max_points"] for g in index["groups"]] == [18, 20, 22, 22, 18]
    for group in index["groups"]:
        for ind in group["indicators"]:
            assert {"code", "name", "numerator", "denominator", "rate", "points", "max_points", "measured"} <= set(ind)
            assert ind["code"].startswith(group["code"] + ".")
            if not ind["measured"]:
                assert ind["points"] is None and ind["rate"] is None
    ind = {i["code"]: i for g in index["groups"] for i in g["indicators"]}
    # one of two dossiers online: 50 % meets the 50 % threshold of 3.3
    assert (ind["3.3"]["numerator"], ind["3.3"]["denominator"], ind["3.3"]["rate"]) == (1, 2, 0.5)
    assert ind["3.3"]["points"] == ind["3.3"]["max_points"]
    # 2.1: the finished one on time, the open one past its due time: 1 of 2
    assert (ind["2.1"]["numerator"], ind["2.1"]["denominator"], ind["2.1"]["rate"]) == (1, 2, 0.5)
    # 4.4 (the personal data store) is not measured: no points, out of measured_max
    assert ind["4.4"]["measured"] is False and ind["4.4"]["points"] is None
    points = [i["points"] for i in ind.values() if i["points"] is not None]
    assert abs(index["total"] - sum(points)) < 0.02
    assert index["measured_max"] == sum(i["max_points"] for i in ind.values() if i["points"] is not None)

    for month in ("2026-13", "9999-12", "1999-12", "2026-1"):
        r = api.get(f"/api/v1/reports/index766?office=UBND.MINHXUAN&month={month}")
        assert r.status_code == 422 and r.mimetype == "application/problem+json", month
    assert api.get("/api/v1/reports/index766?office=NOPE&month=2026-12").status_code == 404
    assert api.client.get("/api/v1/reports/index766?month=2026-12").status_code == 401
    province = api.get("/api/v1/reports/index766?month=2026-12").get_json()
    assert province["office"] is None and province["figures"]["received"] == 2

    live = api.get("/api/v1/reports/monthly?office=UBND.MINHXUAN&month=2026-12").get_json()
    assert live["stored"] is False and live["total"] == index["total"]
    tick(platform, "2027-01-05T09:00:00+07:00")
    stored = api.get("/api/v1/reports/monthly?office=UBND.MINHXUAN&month=2026-12").get_json()
    assert stored["stored"] is True and stored["revision"] == 1 and stored["figures"]["received"] == 2

    # The stored month stays as it was when the rules change afterwards (here 2.1's threshold:
    # 50 % now earns its full 14 points instead of 7)...
    config = copy.deepcopy(platform.settings.raw["index766"])
    for group in config["groups"]:
        for item in group["indicators"]:
            if item["code"] == "2.1":
                item["threshold"] = 0.5
    platform.settings.raw["index766"] = config
    served = api.get("/api/v1/reports/index766?office=UBND.MINHXUAN&month=2026-12").get_json()
    assert served["stored"] is True and served["snapshot_id"] == stored["snapshot_id"]
    assert served["groups"] == stored["groups"] and served["total"] == index["total"]
    # ...until an administrator corrects it: a new revision pointing at the first, served from then on.
    body = {"office": "UBND.MINHXUAN", "month": "2026-12", "reason": "Bổ sung hồ sơ nhập muộn"}
    assert api.post("/api/v1/reports/monthly/corrections", json=body).status_code == 403
    admin = login("admin")
    r = admin.post("/api/v1/reports/monthly/corrections", json=body)
    assert r.status_code == 201, r.get_json()
    fixed = r.get_json()
    assert (fixed["revision"], fixed["corrects_id"], fixed["reason"]) == (2, stored["snapshot_id"], body["reason"])
    again = api.get("/api/v1/reports/index766?office=UBND.MINHXUAN&month=2026-12").get_json()
    assert again["snapshot_id"] == fixed["snapshot_id"] and again["revision"] == 2
    assert again["total"] == index["total"] + 7  # 2.1: 14 × min(1, 0.5 / 0.5) instead of 14 × 0.5
    assert admin.post("/api/v1/reports/monthly/corrections",
                      json={**body, "month": "2027-03"}).status_code == 404  # nothing stored to correct
    assert admin.post("/api/v1/reports/monthly/corrections", json={**body, "reason": ""}).status_code == 422


def test_snapshots_cannot_be_updated_or_deleted(people, clock):
    platform = people
    _december(platform, clock)
    tick(platform, "2027-01-05T09:00:00+07:00")
    for statement in ("UPDATE report_runs SET period = '2026-11'", "DELETE FROM report_runs"):
        with platform.uow() as uow:
            with pytest.raises(DBAPIError):
                uow.session.execute(text(statement))
                uow.session.flush()
    assert len(_runs(platform, "2026-12")) == _office_count(platform) + 1


def test_configured_index_weights_add_up_to_the_decision():
    groups = load_settings().section("index766")["groups"]
    sums = {g["code"]: sum(i["max_points"] for i in g["indicators"]) for g in groups}
    assert sums == {g["code"]: g["points"] for g in groups}
    assert sums == {"1": 18, "2": 20, "3": 22, "4": 22, "5": 18}
    codes = [i["code"] for g in groups for i in g["indicators"]]
    assert all(code.split(".")[0] == g["code"] for g in groups for code in [i["code"] for i in g["indicators"]])
    assert len(codes) == len(set(codes)) == 20
