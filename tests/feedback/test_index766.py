"""Indicators 5.1–5.3 (and 5.4's complaints) computed by hand over September 2026, through the real
use cases at chosen instants, on SQLite and PostgreSQL.

Calendar: Mon 31/8 (swapped with Sat 22/8), Tue 1/9 and Wed 2/9 are off; no other holiday until
1/1/2027. Office hours 07:30–11:30, 13:00–17:00. Every PAKN below names no dossier, so it goes to the
provincial centre (TTPVHCC). Due times count from the receipt (all received in office hours,
before 15:00): refuse 2, information 5, answer 15 working days; publish 2 after the answer.

  K  received Fri 28/8 09:00                                             August: not counted
  A  received Thu 3/9 09:00; answer due Thu 24/9 09:00 (4 | 7–11 | 14–18 | 21–24); classified,
     answered and published Wed 23/9 10:00, rated "satisfied"          classified, on time, satisfied
  J  received Thu 3/9 08:00 (answer due Thu 24/9 08:00); classified, never answered
                                                                         owed and past due at 1/10: late
  B  received Fri 4/9 08:00; refuse due Tue 8/9 08:00 (7/9 08:00 is one day, 8/9 08:00 two);
     refused Tue 8/9 09:00, unclassified                                 late refusal
  C  received Mon 7/9 08:00; answer due Mon 28/9 08:00 (8–11 | 14–18 | 21–25 | 28); classified,
     answered Fri 25/9 10:00 unpublished; publication due Tue 29/9 10:00, published Wed 30/9 09:00
                                                                         late publication
  D  received Tue 8/9 08:00; classified, answered and published Mon 14/9 09:00, rated "dissatisfied"
                                                                         on time, dissatisfied (5.3)
  E  received Wed 9/9 08:00; classified, answered and published Thu 10/9 09:00
                                                                         on time, repeated by F (5.3)
  F  received Fri 11/9 08:00, repeating E; classified; answer due Fri 2/10 08:00 (14–18 | 21–25 |
     28–30 | 1, 2/10)                                                    inside its time at 1/10: on time
  G  received Thu 10/9 08:00, nothing done; answer due Thu 1/10 08:00   inside its time: on time

  5.1 classified: A, J, C, D, E, F = 6 of 8 (B refused unclassified, G untouched)
  5.2 on time:    A, D, E, F, G    = 5 of 8 (B, C, J late)
  5.3 satisfied:  A, F, G          = 3 of 8 (B, C, J late; D dissatisfied; E repeated)
"""
from __future__ import annotations

from datetime import datetime

from motcua.clock import VN_TZ
from motcua.services import feedback
from tests.reports.helpers import finish, index_of, indicators
from tests.scheduler.helpers import SIMPLE, actor, publish, receive


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=VN_TZ)


def send(platform, clock, when: str, **extra) -> dict:
    clock.freeze(at(when))
    body = {"name": "Người gửi", "contact": "0900000000", "content": "Nội dung", "kind": "complaint"}
    body.update(extra)
    return feedback.submit(platform, body)[0]


def act(platform, clock, when: str, item: dict, action: str, who: str = "ttpvhcc.specialist", **body) -> None:
    clock.freeze(at(when))
    feedback.act(platform, actor(platform, who), item["id"], action, body)


def test_september_2026_at_the_provincial_centre(people, clock):
    p = people
    send(p, clock, "2026-08-28 09:00")                                         # K
    A = send(p, clock, "2026-09-03 09:00")
    J = send(p, clock, "2026-09-03 08:00")
    B = send(p, clock, "2026-09-04 08:00")
    C = send(p, clock, "2026-09-07 08:00")
    D = send(p, clock, "2026-09-08 08:00", kind="recommendation")
    E = send(p, clock, "2026-09-09 08:00")
    G = send(p, clock, "2026-09-10 08:00")
    act(p, clock, "2026-09-03 10:00", A, "classify", category="procedure")
    act(p, clock, "2026-09-03 10:00", J, "classify", category="conduct")
    act(p, clock, "2026-09-08 09:00", B, "refuse", reason="Không đủ thông tin để xem xét.")
    act(p, clock, "2026-09-08 09:30", C, "classify", category="policy")
    act(p, clock, "2026-09-14 08:30", D, "classify", category="policy")
    act(p, clock, "2026-09-14 09:00", D, "answer", text="Tiếp thu.", publish=True)
    feedback.rate(p, D["code"], "dissatisfied")
    act(p, clock, "2026-09-09 09:00", E, "classify", category="procedure")
    act(p, clock, "2026-09-10 09:00", E, "answer", text="Đã xử lý.", publish=True)
    F = send(p, clock, "2026-09-11 08:00", repeat_of=E["code"].lower())
    act(p, clock, "2026-09-11 09:00", F, "classify", category="procedure")
    act(p, clock, "2026-09-23 10:00", A, "answer", text="Đã hướng dẫn.", publish=True)
    clock.freeze(at("2026-09-24 08:00"))
    feedback.rate(p, A["code"], "satisfied")
    act(p, clock, "2026-09-25 10:00", C, "answer", text="Sẽ sửa đổi.", publish=False)
    assert feedback.get(p, actor(p, "ttpvhcc.leader"), C["id"])["due"]["publish"] == at("2026-09-29 10:00")
    act(p, clock, "2026-09-30 09:00", C, "publish")

    ind = indicators(index_of(p, "TTPVHCC", 2026, 9, "2026-10-20T09:00:00+07:00"))
    assert (ind["5.1"]["numerator"], ind["5.1"]["denominator"]) == (6, 8)
    assert (ind["5.2"]["numerator"], ind["5.2"]["denominator"]) == (5, 8)
    assert (ind["5.3"]["numerator"], ind["5.3"]["denominator"]) == (3, 8)
    assert ind["5.3"]["rate"] == 0.375 and ind["5.1"]["measured"] is True

    # later events do not change September: F and G become late in October, still on time here
    clock.freeze(at("2026-10-20 09:00"))
    again = indicators(index_of(p, "TTPVHCC", 2026, 9, "2026-10-20T09:00:00+07:00"))
    assert (again["5.2"]["numerator"], again["5.3"]["numerator"]) == (5, 3)
    # another office's month has none of them (N/A: measured, no rate, no points)
    other = indicators(index_of(p, "UBND.YENSON", 2026, 9, "2026-10-20T09:00:00+07:00"))
    assert (other["5.1"]["denominator"], other["5.1"]["rate"], other["5.1"]["points"]) == (0, None, None)


def test_a_complaint_about_a_dossier_counts_against_5_4(people, clock):
    """Two dossiers of Minh Xuân finished on time in September; a complaint about X (code and the
    last four phone digits match: 0912345678) goes to Minh Xuân and counts; a recommendation about Y
    does not. 5.4 = (2 − 0 late − 1 with a complaint) / 2."""
    clock.freeze(at("2026-09-07 08:00"))
    publish(people, SIMPLE)
    x = receive(people, "thu-tuc-thu")
    y = receive(people, "thu-tuc-thu")
    clock.freeze(at("2026-09-07 10:00"))
    finish(people, x)
    finish(people, y)
    sent = send(people, clock, "2026-09-08 08:00", dossier_code=x, phone4="5678")
    send(people, clock, "2026-09-08 08:00", dossier_code=y, phone4="5678", kind="recommendation")
    assert feedback.get(people, actor(people, "minhxuan.leader"), sent["id"])["dossier_code"] == x
    ind = indicators(index_of(people, "UBND.MINHXUAN", 2026, 9, "2026-10-20T09:00:00+07:00"))
    assert (ind["5.4"]["numerator"], ind["5.4"]["denominator"]) == (1, 2)
    assert ind["5.1"]["denominator"] == 2  # both PAKN went to the dossiers' competent office
