"""A procedure package from uploaded files: a folder's files (each with its relative path) or a zip.

The designer's studio uploads a procedure folder (`process.bpmn`, `manifest.yaml`, `forms/*.json`)
as several files, or the folder zipped. Everything here is hostile until proven otherwise:

- sizes: the upload (`max_bytes`), the number of entries (`max_files`) and the bytes once unpacked
  (`max_unpacked`) are bounded; a zip entry is read in chunks and counted as it inflates, so a zip
  bomb (or an entry whose declared size lies) stops at the limit, and an entry compressed more than
  `max_ratio` times is refused before it is read;
- names: absolute paths, `..`, backslashes, drive letters, control characters, symbolic links and
  encrypted entries are refused; nothing is ever written to disk (the package lives in memory);
- content: YAML is read with `safe_load`, JSON with the standard parser; the BPMN is only carried
  here and parsed later by `engine.xml_safety`.

A folder's common top directory is dropped ("dang-ky-ket-hon/process.bpmn" → "process.bpmn");
forms are `forms/<name>.json`, or `<name>.json` beside process.bpmn when loose files are chosen;
other files (README.md…) are ignored.
"""
from __future__ import annotations

import io
import json
import re
import stat
import zipfile
from dataclasses import dataclass

import yaml

from engine.package import ProcedurePackage
from engine.problems import PackageInvalid, Problem

CHUNK = 64 * 1024
_BAD_NAME = re.compile(r"[\x00-\x1f\x7f]")
_IGNORED = ("__MACOSX/", ".DS_Store", "Thumbs.db")


@dataclass(frozen=True)
class Limits:
    max_bytes: int
    max_files: int
    max_unpacked: int
    max_ratio: int


def _size(n: int) -> str:
    return f"{n / 1048576:.1f} MB" if n >= 1048576 else f"{max(1, n // 1024)} KB"


def _clean_name(raw: str) -> str:
    """A relative path with '/' separators, or PackageInvalid naming what is wrong with it."""
    name = raw or ""
    if _BAD_NAME.search(name) or "\\" in name:
        raise PackageInvalid(Problem(f"Tên tệp «{name[:80]!s}» có ký tự không hợp lệ.", element=name[:80]))
    if name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        raise PackageInvalid(Problem(f"Tên tệp «{name[:80]}» là đường dẫn tuyệt đối.", element=name[:80]))
    parts = [p for p in name.split("/") if p not in ("", ".")]
    if any(p == ".." for p in parts):
        raise PackageInvalid(Problem(f"Tên tệp «{name[:80]}» trỏ ra ngoài thư mục thủ tục.", element=name[:80]))
    return "/".join(parts)


def _strip_top(names: list[str]) -> dict[str, str]:
    """{name: path inside the procedure folder}: one top folder common to every file is dropped."""
    tops = {n.split("/", 1)[0] for n in names if "/" in n}
    if len(tops) == 1 and all("/" in n for n in names) and not any(n.startswith("forms/") for n in names):
        top = tops.pop() + "/"
        return {n: n[len(top):] for n in names}
    return {n: n for n in names}


def package_from_entries(entries: list[tuple[str, bytes]], limits: Limits) -> ProcedurePackage:
    """Uploaded files (relative path, bytes) → a package; PackageInvalid lists every problem."""
    if len(entries) > limits.max_files:
        raise PackageInvalid(Problem(f"Gói có {len(entries)} tệp, vượt quá giới hạn {limits.max_files} tệp."))
    total = sum(len(data) for _, data in entries)
    if total > limits.max_unpacked:
        raise PackageInvalid(Problem(f"Gói ({_size(total)}) vượt quá giới hạn {_size(limits.max_unpacked)}."))
    cleaned = [(_clean_name(name), data) for name, data in entries]
    cleaned = [(n, d) for n, d in cleaned if n and not any(mark in n for mark in _IGNORED)]
    paths = _strip_top([n for n, _ in cleaned])
    problems: list[Problem] = []
    bpmn, manifest_text, form_texts = None, None, {}
    for name, data in cleaned:
        path = paths[name]
        lower = path.lower()
        if lower == "process.bpmn":
            bpmn = data
        elif lower in ("manifest.yaml", "manifest.yml"):
            manifest_text = data
        elif lower.endswith(".json") and (lower.startswith("forms/") and path.count("/") == 1 or "/" not in path):
            stem = path.rsplit("/", 1)[-1][:-len(".json")]
            if stem in form_texts:
                problems.append(Problem(f"Biểu mẫu «{stem}» có hai tệp.", element=path))
            form_texts[stem] = (path, data)
    if bpmn is None:
        problems.append(Problem("Thiếu tệp process.bpmn.", element="process.bpmn"))
    if manifest_text is None:
        problems.append(Problem("Thiếu tệp manifest.yaml.", element="manifest.yaml"))
    manifest = None
    if manifest_text is not None:
        try:
            manifest = yaml.safe_load(manifest_text.decode("utf-8"))
        except UnicodeDecodeError:
            problems.append(Problem("manifest.yaml không phải văn bản UTF-8.", element="manifest.yaml"))
        except yaml.YAMLError as err:
            mark = getattr(err, "problem_mark", None)
            problems.append(Problem(f"manifest.yaml không đọc được: {getattr(err, 'problem', None) or err}",
                                    line=mark.line + 1 if mark else None, element="manifest.yaml"))
        else:
            if not isinstance(manifest, dict):
                problems.append(Problem("manifest.yaml phải là một bảng khóa: giá trị.", element="manifest.yaml"))
    forms = {}
    for stem, (path, data) in sorted(form_texts.items()):
        try:
            forms[stem] = json.loads(data.decode("utf-8"))
        except UnicodeDecodeError:
            problems.append(Problem(f"Biểu mẫu {path} không phải văn bản UTF-8.", element=path))
        except json.JSONDecodeError as err:
            problems.append(Problem(f"Biểu mẫu {path} không phải JSON hợp lệ: {err.msg}", line=err.lineno,
                                    element=path))
    if problems:
        raise PackageInvalid(problems)
    return ProcedurePackage(manifest=manifest, bpmn=bpmn, forms=forms)


def _read_entry(archive: zipfile.ZipFile, info: zipfile.ZipInfo, budget: int) -> bytes:
    """An entry's bytes, counted as they inflate: never more than `budget`."""
    out = bytearray()
    with archive.open(info) as stream:
        while chunk := stream.read(CHUNK):
            out += chunk
            if len(out) > budget:
                raise PackageInvalid(Problem("Tệp nén giải nén ra quá lớn (nghi ngờ «bom nén»).",
                                             element=info.filename[:80]))
    return bytes(out)


def entries_from_zip(data: bytes, limits: Limits) -> list[tuple[str, bytes]]:
    """The files of a zip, each checked before it is read; PackageInvalid at the first danger."""
    if len(data) > limits.max_bytes:
        raise PackageInvalid(Problem(f"Tệp nén ({_size(len(data))}) vượt quá giới hạn {_size(limits.max_bytes)}."))
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError, EOFError):
        raise PackageInvalid(Problem("Tệp tải lên không phải tệp nén .zip hợp lệ.")) from None
    if len(infos) > limits.max_files:
        raise PackageInvalid(Problem(f"Tệp nén có {len(infos)} mục, vượt quá giới hạn {limits.max_files}."))
    entries, budget = [], limits.max_unpacked
    with archive:
        for info in infos:
            name = _clean_name(info.filename)
            if info.is_dir() or not name:
                continue
            mode = info.external_attr >> 16
            if stat.S_ISLNK(mode):
                raise PackageInvalid(Problem(f"Tệp nén chứa liên kết tượng trưng «{name[:80]}».", element=name[:80]))
            if info.flag_bits & 0x1:
                raise PackageInvalid(Problem(f"Tệp «{name[:80]}» trong tệp nén được mã hóa.", element=name[:80]))
            if info.file_size > budget:
                raise PackageInvalid(Problem(f"Tệp nén giải nén ra quá {_size(limits.max_unpacked)}.",
                                             element=name[:80]))
            if info.file_size > limits.max_ratio * max(info.compress_size, 1) and info.file_size > CHUNK:
                raise PackageInvalid(Problem(f"Tệp «{name[:80]}» nén quá {limits.max_ratio} lần (nghi ngờ «bom nén»).",
                                             element=name[:80]))
            try:
                content = _read_entry(archive, info, budget)
            except (zipfile.BadZipFile, NotImplementedError, RuntimeError, EOFError, OSError) as err:
                raise PackageInvalid(Problem(f"Không đọc được «{name[:80]}» trong tệp nén: {err}",
                                             element=name[:80])) from None
            budget -= len(content)
            entries.append((name, content))
    return entries
