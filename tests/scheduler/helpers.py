"""Driving dossiers through the service layer and running the scheduler at chosen instants."""
from __future__ import annotations

from collections import Counter
from datetime import datetime

from sqlalchemy import func, select

from engine.package import load_package_dir
from motcua.clock import parse_instant
from motcua.config import ROOT
from motcua.db.models import Dossier, Event, Notification, ProcessInstance, User
from motcua.services import dossiers, inbox, people
from motcua.services.procedures import compile_or_reject, store_version
from scheduler.jobs import tick as scheduler_tick

SIMPLE = ROOT / "tests" / "fixtures" / "simple"
APPLICANT = {"name": "Phạm Văn An", "id_number": "008090001234", "phone": "0912345678"}
PERSONAL = ("Phạm Văn An", "008090001234", "0912345678")


def at(text: str) -> datetime:
    return parse_instant(text)


def publish(platform, folder) -> None:
    compiled = compile_or_reject(platform, load_package_dir(folder))
    with platform.uow() as uow:
        store_version(uow.session, compiled, None, platform.now())
        uow.commit()


def publish_library(platform, name: str) -> None:
    publish(platform, ROOT / "bpmn" / name)


def actor(platform, username):
    with platform.uow() as uow:
        return people.actor_of(uow.session.scalar(select(User).where(User.username == username)))


def example(schema: dict):
    """Valid data for a JSON Schema of the library: each property's first example."""
    if "examples" in schema:
        return schema["examples"][0]
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        return {k: example(v) for k, v in schema.get("properties", {}).items()}
    if kind == "array":
        return [example(schema.get("items", {}))] * max(1, schema.get("minItems", 1))
    return {"boolean": True, "integer": max(1, schema.get("minimum", 1)), "number": 1,
            "string": "x" * max(1, schema.get("minLength", 1))}.get(kind, None)


def receive(platform, procedure: str, username: str = "minhxuan.receiver", *, channel="direct", data=None,
            documents=None) -> str:
    desk = actor(platform, username)
    with platform.uow() as uow:
        from motcua.services.procedures import latest_version
        version = latest_version(uow.session, procedure)
        form = version.manifest.get("application_form")
        default = example(version.forms[form]) if form else {}
    d = dossiers.receive(platform, desk, {
        "procedure_code": procedure, "channel": channel, "applicant": APPLICANT,
        "data": default if data is None else data,
        "documents": documents if documents is not None else [{"name": "Tờ khai", "digitized": True}]})
    return d.code


def view(platform, code: str, username: str = "minhxuan.receiver") -> dict:
    return dossiers.get(platform, actor(platform, username), code)


def complete(platform, code: str, username: str, data: dict | None = None, *, step: str | None = None) -> dict:
    """Complete the dossier's current step (the one named `step` if several) with its form's example."""
    who = actor(platform, username)
    steps = view(platform, code, username)["current_steps"]
    chosen = [s for s in steps if step is None or s["name"] == step]
    assert len(chosen) == 1, steps
    task = inbox.get_task(platform, who, chosen[0]["task_id"])
    payload = data if data is not None else (example(task["form_schema"]) if task.get("form_schema") else {})
    return inbox.complete(platform, who, task["id"], payload)


def tick(platform, text: str) -> dict:
    return scheduler_tick(platform, at(text))


def events(platform, code: str, type_: str | None = None) -> list[Event]:
    with platform.uow() as uow:
        dossier = uow.session.scalar(select(Dossier).where(Dossier.code == code))
        query = select(Event).where(Event.dossier_id == dossier.id)
        if type_:
            query = query.where(Event.type == type_)
        return list(uow.session.scalars(query.order_by(Event.seq)))


def event_counts(platform, type_: str) -> Counter:
    """How many events of a type each dossier has."""
    with platform.uow() as uow:
        rows = uow.session.execute(select(Dossier.code, func.count(Event.id)).join(
            Event, Event.dossier_id == Dossier.id).where(Event.type == type_).group_by(Dossier.code)).all()
        return Counter({code: n for code, n in rows})


def notes(platform, username: str, kind: str | None = None) -> list[Notification]:
    with platform.uow() as uow:
        user = uow.session.scalar(select(User).where(User.username == username))
        query = select(Notification).where(Notification.user_id == user.id)
        if kind:
            query = query.where(Notification.kind == kind)
        return list(uow.session.scalars(query.order_by(Notification.id)))


def instance_of(platform, code: str) -> ProcessInstance:
    with platform.uow() as uow:
        dossier = uow.session.scalar(select(Dossier).where(Dossier.code == code))
        return uow.session.scalar(select(ProcessInstance).where(ProcessInstance.dossier_id == dossier.id))
