"""Scoring the 766 index from measures, without a database: thresholds, N/A, not measured, and the
one source of the weights."""
from __future__ import annotations

import yaml

from motcua.config import DEFAULT_CONFIG_FILE, load_settings
from motcua.services.index766 import config, score
from motcua.services.index766_indicators import INDICATORS, Measure

CFG = {"groups": [
    {"code": "3", "name": "Trực tuyến", "points": 12, "indicators": [
        {"code": "3.1", "name": "a", "max_points": 4, "threshold": 0.8},
        {"code": "3.2", "name": "b", "max_points": 4, "threshold": 1.0},
        {"code": "3.3", "name": "c", "max_points": 4, "threshold": 0.5}]},
    {"code": "4", "name": "Số hóa", "points": 6, "indicators": [
        {"code": "4.2", "name": "d", "max_points": 6, "threshold": 0.8}]},
]}


def _items(result):
    return {i["code"]: i for g in result["groups"] for i in g["indicators"]}


def test_threshold_full_points_and_proportional_below():
    result = score(CFG, {"3.1": Measure(9, 10), "3.2": Measure(1, 4), "3.3": Measure(1, 5), "4.2": None})
    items = _items(result)
    assert items["3.1"]["points"] == 4               # 90 % ≥ 80 %: full points
    assert items["3.2"]["points"] == 1               # 25 % of 4, threshold 100 %
    assert items["3.3"]["points"] == 1.6             # 20 % × 4 / 50 %
    assert (items["4.2"]["measured"], items["4.2"]["points"], items["4.2"]["rate"]) == (False, None, None)
    assert (result["total"], result["measured_max"], result["max_total"]) == (6.6, 12, 18)
    assert [g["measured_max"] for g in result["groups"]] == [12, 0]


def test_a_perfect_month_scores_its_measured_maximum():
    result = score(CFG, {"3.1": Measure(3, 3), "3.2": Measure(2, 2), "3.3": Measure(7, 7), "4.2": Measure(5, 5)})
    assert result["total"] == result["measured_max"] == result["max_total"] == 18


def test_not_applicable_is_measured_but_has_no_points_and_leaves_the_maximum():
    result = score(CFG, {"3.1": Measure(0, 0), "3.2": Measure(0, 3), "3.3": None, "4.2": None})
    items = _items(result)
    assert (items["3.1"]["measured"], items["3.1"]["rate"], items["3.1"]["points"]) == (True, None, None)
    assert (items["3.2"]["rate"], items["3.2"]["points"]) == (0, 0)   # a real zero is zero
    assert (result["total"], result["measured_max"]) == (0, 4)


def test_every_configured_indicator_has_a_function_and_the_fallback_is_the_packaged_file(tmp_path):
    packaged = yaml.safe_load(DEFAULT_CONFIG_FILE.read_text(encoding="utf-8"))["index766"]
    codes = {i["code"] for g in packaged["groups"] for i in g["indicators"]}
    assert codes == set(INDICATORS)
    bare = tmp_path / "config.yaml"
    bare.write_text("env: test\n", encoding="utf-8")
    assert config(load_settings(bare, environ={})) == packaged
