"""766 indicators 3.5, 3.6, 4.1, 4.2 and 4.3 computed by hand from stored files and payments:
December 2026 at phường Minh Xuân, each dossier driven through the real use cases.

Procedures decided by Minh Xuân:
  thu-tuc-thu   fee 10 000 đ, offered online (channels direct, online, postal), electronic result
  thu-tuc-giay  fee 5 000 đ, desk only (channel direct), returns a paper result (`paper_result: true`)

The dossiers (all of the same applicant, so earlier files can be reused):
  O   thu-tuc-thu, received 25/11 (November) with a scan of its form     before the period
  P1  thu-tuc-thu, 01/12 08:00, a scan of its form; paid online (gateway) 01/12 10:00
  P2  thu-tuc-thu, 01/12 09:00, its form reused from O's scan; paid at the desk 01/12 09:30
  P3  thu-tuc-thu, 02/12 08:00, no file; paid online on 05/01/2027 (after the period)
  R1  thu-tuc-giay, 02/12 09:00, a scan; finished 03/12 (done) with its result file attached 03/12
  R2  thu-tuc-giay, 02/12 10:00, a scan; finished 03/12 (done), no result file
  R3  thu-tuc-giay, 03/12 08:00, no scan; result file attached and finished 04/12 (done)
  an upload attached to nothing (never counted)

By hand, December as of 25/01/2027:
  3.5  fee-bearing procedures: thu-tuc-thu and thu-tuc-giay = 2; of them offered online (dossiers
       carry their fee and can be paid through the gateway): thu-tuc-thu = 1 → 1/2 = 50 % < 80 %:
       4 × 0.5 / 0.8 = 2.5 points
  3.6  dossiers of fee-bearing procedures whose clock started in December: P1 P2 P3 R1 R2 R3 = 6
       (O started in November); paid online before the period's end: P1 (P2 at the desk, P3 in
       January) → 1/6, threshold 100 %: 6 × 1/6 = 1 point
  4.1  paper-result dossiers whose result was ready in December: R1 R2 R3 = 3; with a result file:
       R1 R3 → 2/3: 6 × 2/3 = 4 points
  4.2  dossiers received in December: P1 P2 P3 R1 R2 R3 = 6; digitised (a component file, and a
       result file when the result is on paper): P1, P2 (reused counts: it is a file), R1 → 3/6;
       R2 lacks its result file, R3 its component file, P3 has none → 50 % < 80 %: 6 × 0.5 / 0.8 = 3.75
  4.3  received in December with a reused component: P2 → 1/6 < 80 %: 4 × (1/6) / 0.8 = 0.83
"""
from __future__ import annotations

import hashlib
import hmac
import io
import json

import pytest

from motcua.services import dossiers, files, payments
from tests.files.helpers import PDF, PNG
from tests.reports.helpers import finish, index_of, indicators, publish_variant
from tests.scheduler.helpers import SIMPLE, actor, at, publish, receive


@pytest.fixture
def settings(settings, tmp_path):
    settings.raw.setdefault("files", {})["storage_dir"] = str(tmp_path / "files")  # the test's own file store
    return settings


def _at(clock, text):
    clock.freeze(at(text))


def _upload(platform, who, data: bytes, name: str) -> str:
    return files.upload(platform, actor(platform, who), io.BytesIO(data), name)["id"]


def _doc(file_id=None, reused_from=None):
    doc = {"name": "Tờ khai"}
    if file_id:
        doc["file_id"] = file_id
    if reused_from:
        doc["reused_from"] = reused_from
    return doc


def _pay_online(platform, code, amount, reference, paid_at):
    raw = json.dumps({"dossier_code": code, "amount": amount, "reference": reference, "paid_at": paid_at}).encode()
    key = payments.secret(platform.settings)
    payments.callback(platform, raw, hmac.new(key.encode(), raw, hashlib.sha256).hexdigest())


def _result(platform, code, data, number):
    leader = "minhxuan.leader"
    file_id = _upload(platform, leader, data, "ket-qua.pdf")
    dossiers.issue_result(platform, actor(platform, leader), code, file_id, number, None)


def build(platform, clock) -> dict:
    c = {}
    publish(platform, SIMPLE)
    publish_variant(platform, code="thu-tuc-giay", name="Thủ tục trả kết quả giấy", fee=5000, channels=["direct"],
                    paper_result=True)
    scan_o = _upload(platform, "minhxuan.receiver", PDF + b"O", "to-khai.pdf")
    c["O"] = receive(platform, "thu-tuc-thu", documents=[_doc(scan_o)])                 # 25/11 08:00
    _at(clock, "2026-12-01T08:00:00+07:00")
    c["P1"] = receive(platform, "thu-tuc-thu", documents=[_doc(_upload(platform, "minhxuan.receiver", PDF + b"1", "a.pdf"))])
    _at(clock, "2026-12-01T09:00:00+07:00")
    c["P2"] = receive(platform, "thu-tuc-thu", documents=[_doc(reused_from=scan_o)])
    _at(clock, "2026-12-01T09:30:00+07:00")
    dossiers.record_payment(platform, actor(platform, "minhxuan.receiver"), c["P2"],
                            {"amount": 10000, "channel": "desk", "reference": "BL-P2"})
    _at(clock, "2026-12-01T10:00:00+07:00")
    _pay_online(platform, c["P1"], 10000, "GW-P1", "2026-12-01T10:00:00+07:00")
    _at(clock, "2026-12-02T08:00:00+07:00")
    c["P3"] = receive(platform, "thu-tuc-thu", documents=[_doc()])
    _at(clock, "2026-12-02T09:00:00+07:00")
    c["R1"] = receive(platform, "thu-tuc-giay", documents=[_doc(_upload(platform, "minhxuan.receiver", PNG + b"1", "r1.png"))])
    _at(clock, "2026-12-02T10:00:00+07:00")
    c["R2"] = receive(platform, "thu-tuc-giay", documents=[_doc(_upload(platform, "minhxuan.receiver", PNG + b"2", "r2.png"))])
    _at(clock, "2026-12-03T08:00:00+07:00")
    c["R3"] = receive(platform, "thu-tuc-giay", documents=[_doc()])
    _upload(platform, "minhxuan.receiver", PDF + b"orphan", "mo-coi.pdf")                 # attached to nothing
    _at(clock, "2026-12-03T10:00:00+07:00")
    _result(platform, c["R1"], PDF + b"R1", "01/GP")
    finish(platform, c["R1"])
    finish(platform, c["R2"])
    _at(clock, "2026-12-04T10:00:00+07:00")
    _result(platform, c["R3"], PDF + b"R3", "02/GP")
    finish(platform, c["R3"])
    _at(clock, "2027-01-05T09:00:00+07:00")
    _pay_online(platform, c["P3"], 10000, "GW-P3", "2027-01-05T09:00:00+07:00")
    return c


def _points(max_points, rate, threshold):
    return round(max_points * min(1.0, rate / threshold), 2)


def test_files_and_payments_in_december(people, clock):
    c = build(people, clock)
    ind = indicators(index_of(people, "UBND.MINHXUAN", 2026, 12, "2027-01-25T09:00:00+07:00"))
    got = {k: (ind[k]["numerator"], ind[k]["denominator"], ind[k]["points"]) for k in ("3.5", "3.6", "4.1", "4.2", "4.3")}
    assert got == {
        "3.5": (1, 2, _points(4, 1 / 2, 0.8)),     # thu-tuc-thu online; thu-tuc-giay desk only
        "3.6": (1, 6, _points(6, 1 / 6, 1.0)),     # P1 paid online; P2 at the desk; P3 in January
        "4.1": (2, 3, _points(6, 2 / 3, 1.0)),     # R1, R3 of R1 R2 R3
        "4.2": (3, 6, _points(6, 3 / 6, 0.8)),     # P1, P2, R1 of P1 P2 P3 R1 R2 R3
        "4.3": (1, 6, _points(4, 1 / 6, 0.8)),     # P2 reused O's scan
    }
    assert all(ind[k]["measured"] for k in got)
    # November: only O was received (with its scan), fee-bearing and online-offered already
    nov = indicators(index_of(people, "UBND.MINHXUAN", 2026, 11, "2027-01-25T09:00:00+07:00"))
    assert (nov["4.2"]["numerator"], nov["4.2"]["denominator"]) == (1, 1)
    assert (nov["4.3"]["numerator"], nov["4.3"]["denominator"]) == (0, 1)
    assert (nov["3.6"]["numerator"], nov["3.6"]["denominator"]) == (0, 1)
    assert (nov["4.1"]["denominator"], nov["4.1"]["rate"], nov["4.1"]["points"]) == (0, None, None)  # N/A
    # January: P3's online payment belongs to December's population, whose clock started then
    jan = indicators(index_of(people, "UBND.MINHXUAN", 2027, 1, "2027-01-25T09:00:00+07:00"))
    assert jan["3.6"]["denominator"] == 0 and jan["3.6"]["points"] is None
    assert len(c) == 7
