"""Driving the service layer directly (no HTTP): receipt and completion as the desk and staff do."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from engine.package import load_package_dir
from motcua.db.models import User
from motcua.services import dossiers, inbox, people
from motcua.services.procedures import compile_or_reject, store_version

SIMPLE = Path(__file__).resolve().parent.parent / "fixtures" / "simple"
APPLICANT = {"name": "Phạm Văn An", "id_number": "008090001234", "phone": "0912345678"}


def publish_simple(platform):
    compiled = compile_or_reject(platform, load_package_dir(SIMPLE))
    with platform.uow() as uow:
        store_version(uow.session, compiled, None, platform.now())
        uow.commit()


def actor(platform, username):
    with platform.uow() as uow:
        return people.actor_of(uow.session.scalar(select(User).where(User.username == username)))


def receive_simple(platform, data=None):
    desk = actor(platform, "minhxuan.receiver")
    d = dossiers.receive(platform, desk, {
        "procedure_code": "thu-tuc-thu", "channel": "direct", "applicant": APPLICANT,
        "data": data or {"copies": 2, "fee_per_copy": 5000}, "documents": []})
    return dossiers.get(platform, desk, d.code)


def complete_current(platform, code, username, data):
    who = actor(platform, username)
    view = dossiers.get(platform, who, code)
    (step,) = view["current_steps"]
    return inbox.complete(platform, who, step["task_id"], data)
