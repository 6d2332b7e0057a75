"""Vietnamese names for the holidays the ``holidays`` package knows.

The package's English names are stable identifiers (its translations change between releases
and use capitalisations we do not want on an appointment slip), so we key on them and map
to the names a Vietnamese reader expects. Every day of Tết maps to one name because the
explanation of a deadline groups a run of days off by its reason.
"""

from __future__ import annotations

import re

TET = "Tết Nguyên đán"

_BY_ENGLISH = {
    "New Year's Day": "Tết Dương lịch",
    "29 of Lunar New Year": TET,
    "Lunar New Year's Eve": TET,
    "Lunar New Year": TET,
    "Second Day of Lunar New Year": TET,
    "Third Day of Lunar New Year": TET,
    "Fourth Day of Lunar New Year": TET,
    "Fifth Day of Lunar New Year": TET,
    "Sixth Day of Lunar New Year": TET,
    "Hung Kings' Commemoration Day": "Giỗ Tổ Hùng Vương",
    "Liberation Day/Reunification Day": "Ngày Chiến thắng",
    "International Labor Day": "Ngày Quốc tế Lao động",
    "National Day": "Ngày Quốc khánh",
    "Vietnam Cultural Day": "Ngày Văn hóa Việt Nam",
}

# Suffixes the package appends; kept in the Vietnamese name so nothing is silently dropped.
_OBSERVED = re.compile(r"^(?P<base>.*) \((?P<flags>observed|estimated|observed, estimated)\)$")
# "Day off (substituted from 08/22/2026)": an announced swap of a weekday for a Saturday.
_SUBSTITUTED = re.compile(r"^Day off \(substituted from (?P<m>\d\d)/(?P<d>\d\d)/(?P<y>\d{4})\)$")

# The name of a day off set by an override that carries no name of its own.
DEFAULT_OVERRIDE_DAY_OFF = "Ngày nghỉ theo thông báo"


def vietnamese_name(english: str, fallback: str | None = None) -> str:
    """Map one English holiday name of the package to Vietnamese.

    ``fallback`` is the package's own Vietnamese name, used for names this table does not
    know (a newer package release may add holidays); failing that the English name is kept.
    """
    if english in _BY_ENGLISH:
        return _BY_ENGLISH[english]
    m = _SUBSTITUTED.match(english)
    if m:
        return f"Ngày nghỉ hoán đổi (làm bù thứ Bảy {m['d']}/{m['m']}/{m['y']})"
    m = _OBSERVED.match(english)
    if m and m["base"] in _BY_ENGLISH:
        base = _BY_ENGLISH[m["base"]]
        if m["flags"] == "estimated":
            return f"{base} (dự kiến)"
        name = f"Ngày nghỉ bù {base}"
        return f"{name} (dự kiến)" if "estimated" in m["flags"] else name
    return fallback or english
