"""Uploading over HTTP and a few real file contents (judged by their bytes, not their names)."""
from __future__ import annotations

import hashlib
import io

from tests.api.helpers import API

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n" + bytes(range(256)) * 40 + b"\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 64
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 44 + b"\x80\x00\x00\x00" + b"\x00" * 200


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def upload(user, data: bytes, name: str = "to-khai.pdf"):
    return user.client.post(f"{API}/files", data={"file": (io.BytesIO(data), name)},
                            content_type="multipart/form-data", headers=user.headers)


def uploaded(user, data: bytes, name: str = "to-khai.pdf") -> dict:
    r = upload(user, data, name)
    assert r.status_code == 201, r.get_json()
    return r.get_json()
