"""The desk's search text (contract: `GET /api/v1/dossiers?q=`): lowercase, no diacritics, đ → d.

A dossier stores one normalized line `search_text` = its code, the applicant's name, identity
number and phone (digits; a +84 phone also as 0…), written at receipt. A query is normalized the
same way and split into terms; a dossier matches when its line contains every term, so
"nguyen van an", "Nguyễn Văn An", "NGUYEN" and "van an" all find Nguyễn Văn An. A query that is a
number typed with spaces, dots or dashes (0912 345 678) is one term of its digits.
"""
from __future__ import annotations

import re
import unicodedata

MIN_TERM = 3      # the trigram index needs three characters: at least one term must have them
MAX_TERMS = 8
_SPACE = re.compile(r"\s+")
_NUMBER = re.compile(r"^[0-9+()\s.]+$")


def normalize(text: str | None) -> str:
    """'Đặng Thị Ánh  Tuyết' → 'dang thi anh tuyet'."""
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFD", str(text).replace("đ", "d").replace("Đ", "D"))
    bare = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return _SPACE.sub(" ", bare.lower()).strip()


def _digits(text) -> str:
    return "".join(ch for ch in str(text or "") if ch.isdigit())


def _phones(phone) -> list[str]:
    digits = _digits(phone)
    if digits.startswith("84") and len(digits) in (11, 12):
        return [digits, "0" + digits[2:]]
    return [digits] if digits else []


def search_text(code: str, applicant: dict | None) -> str:
    applicant = applicant or {}
    parts = [normalize(code), normalize(applicant.get("name")), _digits(applicant.get("id_number")),
             *_phones(applicant.get("phone"))]
    return " | ".join(p for p in parts if p)


def terms(query: str | None) -> list[str]:
    """The terms of a query (empty when nothing searchable is left). A number written with spaces,
    dots, brackets or a +84 prefix is one term of its digits (a dash keeps a code's fragment)."""
    text = str(query or "").strip()
    if _NUMBER.match(text) and "-" not in text and _digits(text):
        return [_phones(text)[-1]]
    return normalize(text).split(" ")[:MAX_TERMS] if normalize(text) else []


def searchable(query_terms: list[str]) -> bool:
    return any(len(t) >= MIN_TERM for t in query_terms)
