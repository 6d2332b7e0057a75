"""Periodic reports: the monthly report on the first working day, reporting-deadline reminders, the 766 index."""
from __future__ import annotations

from sqlalchemy import func, select

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
    assert (f["received"], f["received_online"], f["finished"], f["late"]) == (2, 1, 1, 0)
    assert f["early"] + f["on_time"] == 1
    assert (f["in_progress"], f["overdue_in_progress"]) == (1, 1)
    assert len(minhxuan.figures["groups"]) == 5

    (note,) = [n for n in notes(platform, "minhxuan.leader", "monthly_report") if "12/2026" in n.title]
    assert "tiếp nhận 2 hồ sơ (1 trực tuyến)" in note.body and "Chỉ số 766" in note.body
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


def test_index766_five_groups_points_and_total(people, clock, login):
    platform = people
    _december(platform, clock)
    clock.freeze(at("2027-01-05T09:00:00+07:00"))
    api = login("minhxuan.specialist")
    r = api.get("/api/v1/reports/index766?office=UBND.MINHXUAN&month=2026-12")
    assert r.status_code == 200, r.get_json()
    index = r.get_json()
    groups = {g["key"]: g for g in index["groups"]}
    assert list(groups) == ["publicity", "progress", "online", "digitisation", "satisfaction"]
    assert [g["max_points"] for g in index["groups"]] == [18, 20, 22, 22, 18] and index["max_total"] == 100
    assert abs(index["total"] - sum(g["points"] for g in index["groups"])) < 0.01

    def ind(group, key):
        return next(i for i in groups[group]["indicators"] if i["key"] == key)
    # one of two dossiers online: 50% meets the 50% threshold
    assert (ind("online", "dossiers_online")["value"], ind("online", "dossiers_online")["points"]) == (0.5, 6)
    # the one finished dossier was on time; the overdue one has no apology yet
    assert ind("progress", "finished_on_time")["points"] == 14
    assert (ind("publicity", "late_apologised")["numerator"], ind("publicity", "late_apologised")["denominator"],
            ind("publicity", "late_apologised")["points"]) == (0, 1, 0)
    assert ind("online", "paid_online")["available"] is False and ind("online", "paid_online")["points"] == 0
    assert ind("satisfaction", "satisfaction")["points"] == 14
    assert index["total"] == 71

    assert api.get("/api/v1/reports/index766?office=UBND.MINHXUAN&month=2026-13").status_code == 422
    assert api.get("/api/v1/reports/index766?office=NOPE&month=2026-12").status_code == 404
    assert api.client.get("/api/v1/reports/index766?month=2026-12").status_code == 401
    province = api.get("/api/v1/reports/index766?month=2026-12").get_json()
    assert province["office"] is None and province["figures"]["received"] == 2

    live = api.get("/api/v1/reports/monthly?office=UBND.MINHXUAN&month=2026-12").get_json()
    assert live["stored"] is False and live["total"] == 71
    tick(platform, "2027-01-05T09:00:00+07:00")
    stored = api.get("/api/v1/reports/monthly?office=UBND.MINHXUAN&month=2026-12").get_json()
    assert stored["stored"] is True and stored["figures"]["received"] == 2


def test_configured_index_weights_add_up_to_the_decision():
    groups = load_settings().section("index766")["groups"]
    sums = {g["key"]: sum(i["weight"] for i in g["indicators"]) for g in groups}
    assert sums == {g["key"]: g["points"] for g in groups}
    assert sums == {"publicity": 18, "progress": 20, "online": 22, "digitisation": 22, "satisfaction": 18}
