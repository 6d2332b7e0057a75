"""A month of dossiers computed by hand: December 2026 at phường Minh Xuân (and xã Yên Sơn, both under
UBND tỉnh), each dossier driven through the real use cases at chosen instants.

Calendar: December 2026 has no holiday; 01/01/2027 is New Year's Day. Office hours 07:30–11:30 and
13:00–17:00 (8 working hours a day). `thu-tuc-thu` takes 3 working days; a receipt at 08:00 on day D
is due at 08:00 three working days later. `trich-luc-ho-tich` is a same-day procedure (due 17:00).

The dossiers (code letter: what it proves, and how 2.1 judges it as of 01/01/2027 00:00):
  M  received 25/11, finished 26/11                      ended before December: not counted
  L  received Mon 30/11 08:00, due Thu 03/12 08:00, done Wed 02/12 10:00
                                                          carried over into December: on time
  C  received Tue 01/12 08:00, due Fri 04/12 08:00; supplement asked and supplied twice
     (01/12 10–11h, 02/12 09–10h), done 02/12 15:00       two supplement requests: late
  I  received Tue 01/12 09:00, due Fri 04/12 09:00; apology on 03/12 with a new date 09/12 17:00;
     done Tue 08/12 10:00                                 after the original appointment: late
  D  received Wed 02/12 08:00, withdrawn Thu 03/12 09:00  withdrawn, counted: on time
  A  received online Mon 07/12 08:00, due Thu 10/12 08:00, done Wed 09/12 10:00, returned, rated
     "not satisfied"                                      on time (and disliked, for 5.4)
  H  received Mon 07/12 08:00, due Thu 10/12 08:00; supplement asked Tue 08/12 08:00, supplied
     Fri 11/12 08:00 (a wait of 3 working days); done Mon 14/12 10:00
                                                          working time 07/12 08:00 → 14/12 10:00 is
                                                          5.25 days, minus the 3-day wait = 2.25 ≤ 3: on time
  G  same-day procedure received Thu 10/12 09:00 (due 17:00), done 16:00        on time
  B  received Mon 14/12 08:00, due Thu 17/12 08:00; supplement asked Tue 15/12 09:00, still waited for
     on 31/12 (supplied 05/01/2027, done 20/01/2027, after the moved due time)
                                                          waiting for its only supplement: ends at the
                                                          request, 15/12 09:00 ≤ 17/12: on time
  K  received Wed 16/12 08:00, due Mon 21/12 08:00; supplement asked Fri 18/12 16:00, supplied
     Mon 21/12 07:45 (working wait: 16:00–17:00 Friday + 07:30–07:45 Monday = 1.25 h); done 21/12 10:00
                                                          late (see below; a wall-clock wait over the
                                                          weekend would have made it on time)
  F  received Mon 21/12 08:00, due Thu 24/12 08:00, not finished              past its time: late
  E  received Wed 30/12 08:00, due Tue 05/01/2027 08:00 (01/01 is a holiday), not finished
                                                          still inside its time: on time
  N  at Yên Sơn (a fee-free, desk-only procedure decided there): received Mon 07/12 08:00, due Thu 10/12
     08:00, done Fri 11/12 10:00                          late

K in working time from its clock start (Wed 16/12 08:00): the end, Mon 21/12 10:00, is 3 days + 2 h;
minus the 1.25 h wait = 3 days + 0.75 h > 3 days: late. Subtracting the wall-clock wait (Fri 16:00 →
Mon 07:45, 63.75 h) would have wrongly made it on time.
"""
from __future__ import annotations

import pytest

from tests.reports.helpers import (
    apologise, finish, hand_over, index_of, indicators, publish_library, publish_variant, rate, request, supply,
    withdraw,
)
from tests.scheduler.helpers import SIMPLE, at, publish, receive, view

UNMEASURED = ("1.4", "4.4", "4.5")


def _at(clock, text):
    clock.freeze(at(text))


def build_december(platform, clock) -> dict:
    """The dossiers of the module docstring, in the order their events happened."""
    c = {}
    publish(platform, SIMPLE)
    publish_library(platform, "trich-luc-ho-tich")
    publish_variant(platform, code="thu-tuc-yen-son", name="Thủ tục thử ở Yên Sơn", competent_office="UBND.YENSON",
                    fee=0, channels=["direct"])
    c["M"] = receive(platform, "thu-tuc-thu")                        # 25/11 08:00 (the fixtures' T0)
    _at(clock, "2026-11-26T09:00:00+07:00")
    finish(platform, c["M"])
    _at(clock, "2026-11-30T08:00:00+07:00")
    c["L"] = receive(platform, "thu-tuc-thu")
    _at(clock, "2026-12-01T08:00:00+07:00")
    c["C"] = receive(platform, "thu-tuc-thu")
    _at(clock, "2026-12-01T09:00:00+07:00")
    c["I"] = receive(platform, "thu-tuc-thu")
    _at(clock, "2026-12-01T10:00:00+07:00")
    request(platform, c["C"])
    _at(clock, "2026-12-01T11:00:00+07:00")
    supply(platform, c["C"])
    _at(clock, "2026-12-02T08:00:00+07:00")
    c["D"] = receive(platform, "thu-tuc-thu")
    _at(clock, "2026-12-02T09:00:00+07:00")
    request(platform, c["C"])
    _at(clock, "2026-12-02T10:00:00+07:00")
    supply(platform, c["C"])
    finish(platform, c["L"])
    _at(clock, "2026-12-02T15:00:00+07:00")
    finish(platform, c["C"])
    _at(clock, "2026-12-03T09:00:00+07:00")
    withdraw(platform, c["D"])
    apologise(platform, c["I"], "2026-12-09T17:00:00+07:00")
    _at(clock, "2026-12-07T08:00:00+07:00")
    c["A"] = receive(platform, "thu-tuc-thu", channel="online")
    c["H"] = receive(platform, "thu-tuc-thu")
    c["N"] = receive(platform, "thu-tuc-yen-son", "yenson.receiver")
    _at(clock, "2026-12-08T08:00:00+07:00")
    request(platform, c["H"])
    _at(clock, "2026-12-08T10:00:00+07:00")
    finish(platform, c["I"])
    _at(clock, "2026-12-09T10:00:00+07:00")
    finish(platform, c["A"])
    _at(clock, "2026-12-09T14:00:00+07:00")
    hand_over(platform, c["A"])
    _at(clock, "2026-12-09T14:05:00+07:00")
    rate(platform, c["A"], False)
    _at(clock, "2026-12-10T09:00:00+07:00")
    c["G"] = receive(platform, "trich-luc-ho-tich")
    _at(clock, "2026-12-10T16:00:00+07:00")
    finish(platform, c["G"])
    _at(clock, "2026-12-11T08:00:00+07:00")
    supply(platform, c["H"])
    _at(clock, "2026-12-11T10:00:00+07:00")
    finish(platform, c["N"])
    _at(clock, "2026-12-14T08:00:00+07:00")
    c["B"] = receive(platform, "thu-tuc-thu")
    _at(clock, "2026-12-14T10:00:00+07:00")
    finish(platform, c["H"])
    _at(clock, "2026-12-15T09:00:00+07:00")
    request(platform, c["B"])
    _at(clock, "2026-12-16T08:00:00+07:00")
    c["K"] = receive(platform, "thu-tuc-thu")
    _at(clock, "2026-12-18T16:00:00+07:00")
    request(platform, c["K"])
    _at(clock, "2026-12-21T07:45:00+07:00")
    supply(platform, c["K"])
    _at(clock, "2026-12-21T08:00:00+07:00")
    c["F"] = receive(platform, "thu-tuc-thu")
    _at(clock, "2026-12-21T10:00:00+07:00")
    finish(platform, c["K"])
    _at(clock, "2026-12-30T08:00:00+07:00")
    c["E"] = receive(platform, "thu-tuc-thu")
    # January: B's supplement arrives and it is finished late; December must not change.
    _at(clock, "2027-01-05T09:00:00+07:00")
    supply(platform, c["B"])
    _at(clock, "2027-01-20T10:00:00+07:00")
    finish(platform, c["B"])
    return c


@pytest.fixture
def december(people, clock):
    return build_december(people, clock)


def _points(max_points, rate, threshold):
    """domain.md: at or above the threshold full points, below it rate × points / threshold."""
    return round(max_points * min(1.0, rate / threshold), 2)


def test_the_dataset_is_what_the_docstring_says(people, december):
    """The instants the hand computation relies on, read back from the dossiers themselves."""
    c = december
    assert view(people, c["A"])["due_at"] == at("2026-12-10T08:00:00+07:00")
    assert view(people, c["G"])["due_at"] == at("2026-12-10T17:00:00+07:00")
    assert view(people, c["E"])["due_at"] == at("2027-01-05T08:00:00+07:00")
    # H's due time moved by the 3-day wait; K's by 1.25 h; I's holds the apology's new date
    assert view(people, c["H"])["due_at"] == at("2026-12-15T08:00:00+07:00")
    assert view(people, c["K"])["due_at"] == at("2026-12-21T09:15:00+07:00")
    assert view(people, c["I"])["due_at"] == at("2026-12-09T17:00:00+07:00")
    for letter in "LCIAHGK":
        assert view(people, c[letter])["status"] in ("done", "returned"), letter
    assert view(people, c["D"])["status"] == "withdrawn"
    assert view(people, c["B"])["finished_at"] == at("2027-01-20T10:00:00+07:00")
    assert view(people, c["N"], "yenson.receiver")["status"] == "done"


def test_minh_xuan_december_every_measured_indicator(people, december):
    report = index_of(people, "UBND.MINHXUAN", 2026, 12, "2027-01-25T09:00:00+07:00")
    ind = indicators(report)

    # 2.1: population L C I D A H G B K F E = 11 (M ended in November, N is Yên Sơn's);
    # on time: L D A H G B E = 7; late: C (two requests), I (apology), K (wait in working time), F.
    assert (ind["2.1"]["numerator"], ind["2.1"]["denominator"]) == (7, 11)
    assert ind["2.1"]["rate"] == round(7 / 11, 4)
    assert ind["2.1"]["points"] == _points(14, 7 / 11, 1.0)

    # 2.2: processed dossiers whose clock started in December (L started in November, B finished
    # after the period, D was withdrawn): thu-tuc-thu A 2.25, C 1.4375 (13.5 h − 2 h of waits),
    # H 2.25, I 5.125, K 3.09375 → average 2.83125 ≤ 3 allowed; trich-luc G 5.5 h = 0.6875 ≤ the
    # 6.5 h (0.8125) left of its day. Both procedures within their time: 2/2.
    assert (ind["2.2"]["numerator"], ind["2.2"]["denominator"]) == (2, 2) and ind["2.2"]["points"] == 6
    detail = {d["procedure"]: d for d in ind["2.2"]["detail"]}
    assert detail["Thủ tục thử nghiệm"]["dossiers"] == 5
    assert detail["Thủ tục thử nghiệm"]["average_days"] == round((2.25 + 1.4375 + 2.25 + 5.125 + 3.09375) / 5, 4)
    assert detail["Thủ tục thử nghiệm"]["allowed_days"] == 3
    assert detail["Cấp bản sao trích lục hộ tịch"]["average_days"] == 0.6875
    assert detail["Cấp bản sao trích lục hộ tịch"]["allowed_days"] == 0.8125

    # 3.1: Minh Xuân decides thu-tuc-thu and trich-luc-ho-tich, both offered online: 2/2 ≥ 80 %.
    assert (ind["3.1"]["numerator"], ind["3.1"]["denominator"], ind["3.1"]["points"]) == (2, 2, 4)
    # 3.2: of those two online services only thu-tuc-thu received an online dossier (A): 1/2.
    assert (ind["3.2"]["numerator"], ind["3.2"]["denominator"]) == (1, 2)
    assert ind["3.2"]["points"] == _points(4, 0.5, 1.0)
    # 3.3: received in December: C I D A H G B K F E = 10, online: A = 1; below 50 %: 4 × 0.1 / 0.5.
    assert (ind["3.3"]["numerator"], ind["3.3"]["denominator"]) == (1, 10)
    assert ind["3.3"]["points"] == _points(4, 0.1, 0.5)

    # 3.5: both procedures bear a fee (10 000 and 8 000 đ) and are offered online: 2/2 ≥ 80 %, full points.
    assert (ind["3.5"]["numerator"], ind["3.5"]["denominator"], ind["3.5"]["points"]) == (2, 2, 4)
    # 3.6: fee-bearing dossiers whose clock started in December: C I D A H G B K F E = 10 (L started
    # on 30/11); none was paid online: 0/10, no points.
    assert (ind["3.6"]["numerator"], ind["3.6"]["denominator"], ind["3.6"]["points"]) == (0, 10, 0)
    # 4.1: neither procedure returns a paper result: N/A (rate and points null, out of measured_max).
    assert (ind["4.1"]["denominator"], ind["4.1"]["rate"], ind["4.1"]["points"]) == (0, None, None)
    # 4.2, 4.3: the 10 December receipts carry no file (the desk's old `digitized` flag counts for
    # nothing): 0/10, no points. (tests/reports/test_index766_content.py computes them with files.)
    assert (ind["4.2"]["numerator"], ind["4.2"]["denominator"], ind["4.2"]["points"]) == (0, 10, 0)
    assert (ind["4.3"]["numerator"], ind["4.3"]["denominator"], ind["4.3"]["points"]) == (0, 10, 0)

    # 5.4: 100 % − late rate (4/11) − disliked rate (A: 1/11) = 6/11, below 90 %: 12 × (6/11) / 0.9.
    assert (ind["5.4"]["numerator"], ind["5.4"]["denominator"]) == (6, 11)
    assert ind["5.4"]["points"] == _points(12, 6 / 11, 0.9)

    # 1.1, 1.2: no publication decision is dated in December (the library's trich-luc-ho-tich was
    # decided on 20/06/2025; the fixture has no publication data): N/A, no points.
    assert [(ind[c]["measured"], ind[c]["denominator"], ind[c]["points"]) for c in ("1.1", "1.2")] == \
        [(True, 0, None)] * 2
    # 1.3: trich-luc-ho-tich has its decision and all seven parts; thu-tuc-thu has no publication: 1/2.
    assert (ind["1.3"]["numerator"], ind["1.3"]["denominator"], ind["1.3"]["points"]) == (1, 2, 2.0)

    # The rest is not measured: no points, no rate, out of measured_max.
    for code in UNMEASURED:
        assert (ind[code]["measured"], ind[code]["points"], ind[code]["rate"]) == (False, None, None), code
    # no PAKN this month: 5.1–5.3 are measured and N/A (no rate, no points, out of measured_max)
    for code in ("5.1", "5.2", "5.3"):
        assert (ind[code]["measured"], ind[code]["denominator"], ind[code]["rate"], ind[code]["points"]) == (
            True, 0, None, None), code
    measured = ["1.3", "2.1", "2.2", "3.1", "3.2", "3.3", "3.5", "3.6", "4.2", "4.3", "5.4"]
    assert all(ind[c]["measured"] for c in measured) and ind["4.1"]["measured"]
    assert report["measured_max"] == 4 + 14 + 6 + 4 + 4 + 4 + 4 + 6 + 6 + 4 + 12  # 4.1 is N/A: out
    assert report["total"] == pytest.approx(sum(ind[c]["points"] for c in measured), abs=0.011)
    assert [g["code"] for g in report["groups"]] == ["1", "2", "3", "4", "5"]
    assert [g["max_points"] for g in report["groups"]] == [18, 20, 22, 22, 18]

    f = report["figures"]
    assert (f["received"], f["received_online"], f["handled"], f["on_time"], f["late"]) == (10, 1, 11, 7, 4)
    # open at the period's end: F (overdue) and E; B waits for its supplement (its processing ended)
    assert (f["in_progress"], f["overdue_in_progress"], f["waiting_supplement"]) == (2, 1, 1)


def test_a_parent_office_includes_its_children(people, december):
    """UBND tỉnh covers Minh Xuân and Yên Sơn (both have it as parent); N joins every figure."""
    report = index_of(people, "UBND.TINH", 2026, 12, "2027-01-25T09:00:00+07:00")
    ind = indicators(report)
    assert (ind["2.1"]["numerator"], ind["2.1"]["denominator"]) == (7, 12)       # N is late
    # 2.2: thu-tuc-yen-son's only dossier took 07/12 08:00 → 11/12 10:00 = 4.25 days > 3: 2 of 3
    assert (ind["2.2"]["numerator"], ind["2.2"]["denominator"]) == (2, 3)
    # 3.1: three procedures decided in the province's tree, the Yên Sơn one desk-only: 2/3 < 80 %
    assert (ind["3.1"]["numerator"], ind["3.1"]["denominator"]) == (2, 3)
    assert ind["3.1"]["points"] == _points(4, 2 / 3, 0.8)
    assert (ind["3.3"]["numerator"], ind["3.3"]["denominator"]) == (1, 11)
    assert (ind["5.4"]["numerator"], ind["5.4"]["denominator"]) == (12 - 5 - 1, 12)

    yenson = indicators(index_of(people, "UBND.YENSON", 2026, 12, "2027-01-25T09:00:00+07:00"))
    assert (yenson["2.1"]["numerator"], yenson["2.1"]["denominator"], yenson["2.1"]["points"]) == (0, 1, 0)
    # Yên Sơn offers no online service: 3.2 has nothing to judge (N/A), 3.1 is a real 0 of 1
    assert (yenson["3.2"]["denominator"], yenson["3.2"]["rate"], yenson["3.2"]["points"]) == (0, None, None)
    assert (yenson["3.1"]["rate"], yenson["3.1"]["points"]) == (0, 0)
    # the fee-free procedure leaves the payment indicators with nothing to judge: N/A, not zero
    for code in ("3.5", "3.6"):
        assert (yenson[code]["measured"], yenson[code]["denominator"], yenson[code]["rate"],
                yenson[code]["points"]) == (True, 0, None, None), code


def test_december_as_it_stood_on_the_31st_and_later_are_the_same(people, december, clock):
    """Events after the period (B supplied and finished late in January) do not change December."""
    late = index_of(people, "UBND.MINHXUAN", 2026, 12, "2027-01-25T09:00:00+07:00")
    on_the_day = index_of(people, "UBND.MINHXUAN", 2026, 12, "2027-01-01T00:00:00+07:00")
    assert indicators(late)["2.1"] == indicators(on_the_day)["2.1"]


def test_during_the_month_the_end_is_now(people, december):
    """As of Fri 18/12 12:00, F and E are not received yet; K (received 16/12, due 21/12) is in its
    time and B is waiting; population: L C I D A H G B K = 9; late: C, I → 7 on time."""
    ind = indicators(index_of(people, "UBND.MINHXUAN", 2026, 12, "2026-12-18T12:00:00+07:00"))
    assert (ind["2.1"]["numerator"], ind["2.1"]["denominator"]) == (7, 9)


def test_january_judges_b_by_its_moved_due_time_and_ignores_december_endings(people, december):
    """January as of 25/01: B (supplied 05/01, done 20/01) and the open F and E.
    B: due Thu 17/12 08:00; wait Tue 15/12 09:00 → Tue 05/01 09:00 in working time = 13 working days
    (15/12 09:00 → 04/01 09:00 is 12 days: 16,17,18,21,22,23,24,25,28,29,30,31/12 — 01/01 a holiday —
    then one more to 05/01); done 20/01 10:00, far beyond 17/12 + 13 days (06/01 08:00): late.
    F is overdue: late. E (due 05/01 08:00) still open: late. K, H etc. ended in December."""
    ind = indicators(index_of(people, "UBND.MINHXUAN", 2027, 1, "2027-01-25T09:00:00+07:00"))
    assert (ind["2.1"]["numerator"], ind["2.1"]["denominator"]) == (0, 3)
    # 3.3: nothing received in January: N/A, no points, and its maximum leaves measured_max
    assert (ind["3.3"]["denominator"], ind["3.3"]["rate"], ind["3.3"]["points"]) == (0, None, None)


def test_an_empty_month_is_not_applicable_not_zero(people, december):
    """October 2026: no procedure was published yet and no dossier existed. Every measured indicator
    is N/A (rate null, points null), the total is 0 out of 0, never 0 out of 100."""
    report = index_of(people, "UBND.MINHXUAN", 2026, 10, "2027-01-25T09:00:00+07:00")
    for code, item in indicators(report).items():
        assert item["rate"] is None and item["points"] is None, code
        assert item["denominator"] == (None if code in UNMEASURED else 0), code
    assert (report["total"], report["measured_max"]) == (0, 0)
