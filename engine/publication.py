"""A procedure's publication data (issue 13 item 2; domain.md "The 766 index", indicators 1.1–1.3).

The manifest's optional `publication` block carries what the province's publication decision says:

    publication:
      decision: 1234/QĐ-UBND          # the province's publication decision (số quyết định công bố)
      decision_date: 2025-06-20       # its date
      legal_basis_effective: 2025-07-01   # when the legal basis of the procedure takes effect
      national_code: '1.000894'       # the national procedure code, if any (default: official_code)
      national_updated: 2025-06-24    # when it was updated on the national procedure database, if yet
      applicants: Công dân Việt Nam…  # who may apply (đối tượng thực hiện): declared, nothing holds it
      deciding_agency: …              # optional: the agency that decides, if not the competent office's name
      note: (chưa kiểm chứng)         # where the data comes from

The seven parts of a published procedure (domain.md 1.3) are mostly *derived* from what the package
already holds: the name (`name`), the sequence of steps (the BPMN user tasks), the ways to submit
(`channels`), the dossier components and counts (`documents`), the processing time (`legal_days`), the
agency that decides (`competent_office`, or `deciding_agency`); who may apply is *declared*
(`applicants`). `parts()` says, for each, whether it is derived, declared or missing.

Absent publication data is a warning, not an error: a procedure may be configured before its
decision is signed; it is then counted as not published on time and not complete (1.1–1.3).
A block that is present but malformed (a date that is no date, an update before the decision) is an
error with its element, like every other manifest problem.
"""
from __future__ import annotations

import datetime as dt

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from engine.problems import Problem
from forms.messages import field_errors

NATIONAL_CODE = r"^[0-9]\.[0-9]{6}(\.[0-9A-Za-z.]+)?$"   # e.g. 1.000894 or 1.000894.000.00.00.H56
PARTS = (  # (key, Vietnamese label), the order of a published procedure
    ("name", "Tên thủ tục"),
    ("steps", "Trình tự thực hiện"),
    ("channels", "Cách thức thực hiện"),
    ("documents", "Thành phần, số lượng hồ sơ"),
    ("processing_time", "Thời hạn giải quyết"),
    ("applicants", "Đối tượng thực hiện"),
    ("deciding_agency", "Cơ quan giải quyết"),
)


class PublicationSchema(Schema):
    class Meta:
        unknown = RAISE

    decision = fields.String(required=True, validate=validate.Length(min=1, max=100))
    decision_date = fields.Date(required=True)
    legal_basis_effective = fields.Date(required=True)
    national_code = fields.String(load_default=None, allow_none=True, validate=validate.Regexp(
        NATIONAL_CODE, error="Mã thủ tục quốc gia có dạng 1.000894 (một chữ số, dấu chấm, sáu chữ số)."))
    national_updated = fields.Date(load_default=None, allow_none=True)
    applicants = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))
    deciding_agency = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))

    @validates_schema
    def _update_after_decision(self, data, **kwargs):
        updated, decided = data.get("national_updated"), data.get("decision_date")
        if updated and decided and updated < decided:
            raise ValidationError("Ngày cập nhật lên Cơ sở dữ liệu quốc gia không thể trước ngày quyết định công bố.",
                                  "national_updated")


def _iso_dates(raw: dict) -> dict:
    """YAML reads `2025-06-20` as a date; JSON sends a string: both become the string."""
    return {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in raw.items()}


def load_publication(raw) -> tuple[dict | None, list[Problem], list[Problem]]:
    """(publication with ISO date strings, errors, warnings)."""
    if raw is None:
        return None, [], [Problem(
            "Chưa có dữ liệu công bố thủ tục (số, ngày quyết định công bố, ngày hiệu lực của căn cứ pháp lý): "
            "thủ tục vẫn được công bố trên nền tảng nhưng bị tính là chưa công khai đúng hạn và chưa đủ "
            "bảy bộ phận (chỉ số 766, nhóm 1).", element="manifest.publication")]
    if not isinstance(raw, dict):
        return None, [Problem("publication phải là một đối tượng.", element="manifest.publication")], []
    try:
        data = PublicationSchema().load(_iso_dates(raw))
    except ValidationError as err:
        return None, [Problem(f"manifest.publication.{path}: {msg}", element=f"manifest.publication.{path}")
                      for path, messages in field_errors(err.messages).items() for msg in messages], []
    out = {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in data.items()}
    warnings = []
    if not out.get("applicants"):
        warnings.append(Problem("Chưa khai báo đối tượng thực hiện (publication.applicants): thủ tục chưa đủ bảy "
                                "bộ phận khi công khai.", element="manifest.publication.applicants"))
    return out, [], warnings


def parts(manifest: dict, step_names: list[str]) -> dict[str, str]:
    """Each of the seven parts: `derived` (from the package), `declared` (publication) or `missing`."""
    pub = manifest.get("publication") or {}
    derived = {
        "name": bool(manifest.get("name")),
        "steps": bool(step_names),
        "channels": bool(manifest.get("channels")),
        "documents": bool(manifest.get("documents")),
        "processing_time": manifest.get("legal_days") not in (None, ""),
        "applicants": False,
        "deciding_agency": bool(manifest.get("competent_office")),
    }
    out = {}
    for key, _ in PARTS:
        if pub.get(key):
            out[key] = "declared"
        else:
            out[key] = "derived" if derived[key] else "missing"
    return out


def complete(manifest: dict) -> bool:
    """Published (a decision is recorded) with all seven parts (1.3)."""
    pub = manifest.get("publication") or {}
    return bool(pub.get("decision")) and all(v != "missing" for v in (pub.get("parts") or {"_": "missing"}).values())
