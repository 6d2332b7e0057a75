"""The publish check applies each path's own legal time (issue 13.4): the manifest's `legal_days`
on an ordinary path, the `legal_days` of a step on a path that carries one (e.g. verification)."""
from __future__ import annotations

from tests.library.test_lint import copy_of, edit_bpmn, run_validate


def test_the_verification_path_fits_its_own_longer_time(tmp_path):
    # ly-lich-tu-phap: 10 days (manifest), 15 with verification (step xac_minh, Luật LLTP art. 48)
    folder = copy_of(tmp_path, "ly-lich-tu-phap")
    code, output = run_validate(folder)
    assert code == 0, output


def test_the_verification_path_over_its_longer_time_is_refused(tmp_path):
    # xac_minh 5 → 6 days: 0.5 + 1.5 + 5 + 6 + 1.5 + 1 + 0.5 = 16 > 15 on that path
    folder = copy_of(tmp_path, "ly-lich-tu-phap")
    edit_bpmn(folder, '<spiffworkflow:property name="allotment_days" value="5"/>\n'
                      '          <spiffworkflow:property name="form" value="xac_minh"/>',
              '<spiffworkflow:property name="allotment_days" value="6"/>\n'
              '          <spiffworkflow:property name="form" value="xac_minh"/>')
    code, output = run_validate(folder)
    assert code != 0
    assert "xac_minh" in output and "16" in output and "vượt thời hạn giải quyết 15 ngày" in output, output


def test_without_the_step_property_the_manifest_time_applies_to_every_path(tmp_path):
    # dropping legal_days from xac_minh: the verification path (15 days of allotments) exceeds 10
    folder = copy_of(tmp_path, "ly-lich-tu-phap")
    edit_bpmn(folder, '<spiffworkflow:property name="legal_days" value="15"/>', "")
    code, output = run_validate(folder)
    assert code != 0
    assert "vượt thời hạn giải quyết 10 ngày" in output, output


def test_the_ordinary_path_keeps_the_manifest_time(tmp_path):
    # tra_cuu_an_tich 5 → 6 days and xac_minh 5 → 4: the verification path stays at 15 (fits its
    # 15), the path without verification becomes 11 > 10: refused, naming the ordinary path
    folder = copy_of(tmp_path, "ly-lich-tu-phap")
    edit_bpmn(folder, '<spiffworkflow:property name="allotment_days" value="5"/>',
              '<spiffworkflow:property name="allotment_days" value="6"/>')
    edit_bpmn(folder, '<spiffworkflow:property name="allotment_days" value="5"/>',
              '<spiffworkflow:property name="allotment_days" value="4"/>')
    code, output = run_validate(folder)
    assert code != 0
    assert "là 11.0 ngày làm việc, vượt thời hạn giải quyết 10 ngày" in output, output
    assert "xac_minh →" not in output, output
