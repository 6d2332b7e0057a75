"""Indicators 1.1–1.3 (publication of procedures) computed by hand for December 2026 at phường Minh Xuân.

Calendar: December 2026 has no holiday; Friday 01/01/2027 is New Year's Day. The period is
[01/12/2026, 01/01/2027); everything is judged as of 01/01/2027 (the period's end).
Rule (index766_publication): on time for 1.1 ⇔ decision date ≤ the effective date stepped back
5 working days; on time for 1.2 ⇔ updated ≤ decision date stepped forward 5 working days (not
updated yet, or updated after the period, but still within that limit on 01/01: on time).

All procedures are the simple fixture (competent office Minh Xuân) with another code and publication:
  thu-tuc-thu  no publication data at all           not in 1.1/1.2; 1.3 incomplete
  P1  decision Mon 21/12, effective Mon 28/12, updated Mon 28/12, applicants declared
      1.1: 28/12 back 5: 25, 24, 23, 22, 21 → latest 21/12; 21/12 ≤ 21/12: on time (the boundary)
      1.2: 21/12 forward 5: 22, 23, 24, 25, 28 → limit 28/12; updated 28/12: on time (the boundary)
  P2  decision Tue 22/12, effective Mon 28/12, updated Tue 29/12
      1.1: 22/12 > 21/12: late.   1.2: 22/12 + 5: 23, 24, 25, 28, 29 → 29/12: on time
  P3  decision Mon 28/12, effective Mon 04/01/2027, updated Wed 06/01/2027 (after the period)
      1.1: 04/01 back 5: (01/01 holiday) 31, 30, 29, 28, 25 → latest 25/12; 28/12 > 25/12: late.
           Counting 01/01 as a working day would give 28/12 and call it on time: the holiday decides.
      1.2: 28/12 + 5: 29, 30, 31, (01/01 holiday) 04/01, 05/01 → limit 05/01/2027; on 01/01 the update
           is not known yet and the limit is ahead: on time (the later, late update does not change December)
  P4  decision Fri 20/11 (November), effective 01/12      not in December's 1.1/1.2; 1.3 complete
  P5  decision Wed 02/12, effective Fri 01/01/2027, never updated, no applicants
      1.1: 01/01 back 5: 31, 30, 29, 28, 25 → 25/12; 02/12 ≤ 25/12: on time
      1.2: 02/12 + 5: 03, 04, 07, 08, 09 → limit 09/12, passed on 01/01 without an update: late
      1.3: "who may apply" missing: incomplete
So 1.1 = P1, P5 of P1 P2 P3 P5 = 2/4; 1.2 = P1 P2 P3 of 4 = 3/4;
1.3 = P1 P2 P3 P4 of the six procedures Minh Xuân decides = 4/6.
"""
from __future__ import annotations

import pytest

from tests.reports.helpers import index_of, indicators, publish_variant
from tests.scheduler.helpers import SIMPLE, publish

WHO = "Công dân Việt Nam"


def _pub(decision_date, effective, updated=None, applicants=WHO):
    pub = {"decision": "1234/QĐ-UBND", "decision_date": decision_date, "legal_basis_effective": effective}
    if updated:
        pub["national_updated"] = updated
    if applicants:
        pub["applicants"] = applicants
    return pub


@pytest.fixture
def published(people):
    platform = people
    publish(platform, SIMPLE)
    publish_variant(platform, code="p1", name="P1", publication=_pub("2026-12-21", "2026-12-28", "2026-12-28"))
    publish_variant(platform, code="p2", name="P2", publication=_pub("2026-12-22", "2026-12-28", "2026-12-29"))
    publish_variant(platform, code="p3", name="P3", publication=_pub("2026-12-28", "2027-01-04", "2027-01-06"))
    publish_variant(platform, code="p4", name="P4", publication=_pub("2026-11-20", "2026-12-01", "2026-11-24"))
    publish_variant(platform, code="p5", name="P5", publication=_pub("2026-12-02", "2027-01-01", applicants=None))
    return platform


def test_december_publication_indicators(published):
    ind = indicators(index_of(published, "UBND.MINHXUAN", 2026, 12, "2027-01-25T09:00:00+07:00"))
    assert (ind["1.1"]["numerator"], ind["1.1"]["denominator"], ind["1.1"]["measured"]) == (2, 4, True)
    assert ind["1.1"]["points"] == 2.0          # 4 points × 2/4 (threshold 1.0)
    assert (ind["1.2"]["numerator"], ind["1.2"]["denominator"]) == (3, 4)
    assert ind["1.2"]["points"] == 3.0
    assert (ind["1.3"]["numerator"], ind["1.3"]["denominator"]) == (4, 6)
    assert ind["1.3"]["points"] == round(4 * 4 / 6, 2)


def test_as_of_the_middle_of_december(published):
    """As of Wed 23/12 12:00 (cut's date 23/12): P3 is not decided yet; P5's limit 09/12 has passed;
    P2's update (29/12) is not known yet but its limit 29/12 is ahead: on time. 1.1: P1 P2 P5 → P1, P5
    = 2/3; 1.2: P1 (updated 28/12, unknown on 23/12; limit ahead) P2 on time, P5 late = 2/3."""
    ind = indicators(index_of(published, "UBND.MINHXUAN", 2026, 12, "2026-12-23T12:00:00+07:00"))
    assert (ind["1.1"]["numerator"], ind["1.1"]["denominator"]) == (2, 3)
    assert (ind["1.2"]["numerator"], ind["1.2"]["denominator"]) == (2, 3)


def test_a_month_without_decisions_is_not_applicable(published):
    """January 2027: no decision dated in it: 1.1 and 1.2 are N/A (measured, no points); 1.3 still
    judges the catalogue (a stock, not a flow)."""
    ind = indicators(index_of(published, "UBND.MINHXUAN", 2027, 1, "2027-01-25T09:00:00+07:00"))
    for code in ("1.1", "1.2"):
        assert (ind[code]["measured"], ind[code]["denominator"], ind[code]["points"]) == (True, 0, None)
    assert (ind["1.3"]["numerator"], ind["1.3"]["denominator"]) == (4, 6)


def test_another_office_decides_none_of_them(published):
    """Yên Sơn decides none of these procedures: everything N/A there."""
    ind = indicators(index_of(published, "UBND.YENSON", 2026, 12, "2027-01-25T09:00:00+07:00"))
    for code in ("1.1", "1.2", "1.3"):
        assert (ind[code]["denominator"], ind[code]["rate"]) == (0, None)
