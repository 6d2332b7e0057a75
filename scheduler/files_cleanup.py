"""Uploads attached to no dossier are removed once they are older than `files.unattached_ttl_hours`
(Decree 13/2023: personal data kept no longer than needed; contract "Files"). A claimed singleton:
one process at a time does the sweep, and a sweep run twice removes nothing the second time."""
from __future__ import annotations

from datetime import datetime

from motcua.services import files
from scheduler.claims import take_singleton


def remove_unattached_files(platform, now: datetime) -> int:
    """How many unattached uploads this run removed."""
    return files.remove_unattached(platform, now, claim=lambda session: take_singleton(session, "files_cleanup"))
