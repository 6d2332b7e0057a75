"""Where uploaded bytes live: a small content-addressed store behind an interface.

`FileStore` is what the services use: put a stream (copied in chunks to a temporary file while
hashing, then renamed atomically to `ab/cd/<sha256>`: an interrupted upload leaves nothing),
open, check, delete. `LocalStore` keeps the files under the instance folder; a deployment that
needs shared object storage implements the same five methods.
"""
from __future__ import annotations

import hashlib
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

CHUNK = 1024 * 1024
_SHA = re.compile(r"^[0-9a-f]{64}$")


class TooLarge(Exception):
    """The stream went over the limit (nothing was kept)."""


@dataclass(frozen=True)
class Put:
    sha256: str
    size: int
    head: bytes  # the first bytes, for judging the type from the content


class FileStore(Protocol):
    def put(self, stream: BinaryIO, limit: int) -> Put: ...
    def open(self, sha256: str) -> BinaryIO: ...
    def exists(self, sha256: str) -> bool: ...
    def hash_of(self, sha256: str) -> str | None: ...
    def delete(self, sha256: str) -> None: ...


class LocalStore:
    """Files on local disk, named by their sha256 only (never by anything the client sent)."""

    def __init__(self, root: Path):
        self.root = Path(root)

    def _path(self, sha256: str) -> Path:
        if not _SHA.match(sha256 or ""):
            raise ValueError("not a sha256")
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def put(self, stream: BinaryIO, limit: int) -> Put:
        tmp_dir = self.root / "tmp"
        tmp_dir.mkdir(parents=True, exist_ok=True)
        digest, size, head = hashlib.sha256(), 0, b""
        fd, tmp = tempfile.mkstemp(dir=tmp_dir, prefix="up-")
        try:
            with os.fdopen(fd, "wb") as out:
                while True:
                    chunk = stream.read(CHUNK)
                    if not chunk:
                        break
                    size += len(chunk)
                    if size > limit:
                        raise TooLarge()
                    if len(head) < 8192:
                        head += chunk[:8192 - len(head)]
                    digest.update(chunk)
                    out.write(chunk)
            sha = digest.hexdigest()
            final = self._path(sha)
            final.parent.mkdir(parents=True, exist_ok=True)
            os.replace(tmp, final)
            return Put(sha256=sha, size=size, head=head)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise

    def open(self, sha256: str) -> BinaryIO:
        return open(self._path(sha256), "rb")

    def exists(self, sha256: str) -> bool:
        return self._path(sha256).is_file()

    def hash_of(self, sha256: str) -> str | None:
        """The sha256 of the bytes stored under this name now (None: missing)."""
        path = self._path(sha256)
        if not path.is_file():
            return None
        digest = hashlib.sha256()
        with open(path, "rb") as f:
            for chunk in iter(lambda: f.read(CHUNK), b""):
                digest.update(chunk)
        return digest.hexdigest()

    def delete(self, sha256: str) -> None:
        try:
            self._path(sha256).unlink()
        except FileNotFoundError:
            pass


def store_for(settings) -> FileStore:
    """The store the configuration names (files.storage_dir; empty: `files/` in the instance folder)."""
    cfg = settings.section("files")
    root = cfg.get("storage_dir") or (Path(settings.instance_path) / "files")
    return LocalStore(Path(root))
