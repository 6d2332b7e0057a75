"""Publishing procedures: a new version each time; dossiers keep the version they started on."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from engine.package import CompiledProcedure, ProcedurePackage, compile_package
from engine.package_files import Limits, entries_from_zip, package_from_entries
from engine.problems import PackageInvalid, Problem
from motcua.access import Actor
from motcua.db.models import Office, Procedure, ProcedureVersion
from motcua.errors import Conflict, NotFound, PackageRejected, TooLarge


def compile_or_reject(platform, package: ProcedurePackage) -> CompiledProcedure:
    limits = platform.limits
    size, limit = len(package.bpmn or b""), int(limits["bpmn_max_bytes"])
    if size > limit:
        raise TooLarge(f"Tệp BPMN ({size} byte) vượt quá giới hạn {limit} byte.", extra={"problems": [{
            "element": "bpmn", "message": f"Tệp BPMN vượt quá giới hạn {limit // 1024} KB."}]})
    try:
        return compile_package(package, max_bytes=int(limits["bpmn_max_bytes"]),
                               max_depth=int(limits["bpmn_max_depth"]))
    except PackageInvalid as err:
        raise PackageRejected("Gói thủ tục có lỗi; xem danh sách problems.",
                              extra={"problems": [p.to_dict() for p in err.problems]}) from err


def upload_limits(platform) -> Limits:
    limits = platform.limits
    return Limits(max_bytes=int(limits["package_max_bytes"]), max_files=int(limits["package_max_files"]),
                  max_unpacked=int(limits["package_max_unpacked_bytes"]), max_ratio=int(limits["package_max_ratio"]))


def package_from_upload(platform, *, files: list[tuple[str, bytes]] = (), archive: bytes | None = None
                        ) -> ProcedurePackage:
    """The designer's studio: a procedure folder's files (relative path, bytes) and/or a zip of it.
    A package that cannot even be assembled answers 422 with its problems, like an invalid one."""
    limits = upload_limits(platform)
    try:
        entries = list(files)
        if archive is not None:
            entries += entries_from_zip(archive, limits)
        if not entries:
            raise PackageInvalid(Problem("Chưa chọn tệp nào: cần process.bpmn, manifest.yaml và forms/*.json."))
        return package_from_entries(entries, limits)
    except PackageInvalid as err:
        raise PackageRejected("Gói thủ tục có lỗi; xem danh sách problems.",
                              extra={"problems": [p.to_dict() for p in err.problems]}) from err


def validate_procedure(platform, package: ProcedurePackage) -> CompiledProcedure:
    return compile_or_reject(platform, package)


@dataclass
class Published:
    version: ProcedureVersion
    warnings: list = field(default_factory=list)  # engine Problems: published, but worth fixing


def publish(platform, package: ProcedurePackage, actor: Actor) -> Published:
    """A designer or an administrator publishes over the API."""
    actor.require("designer", "admin")
    compiled = compile_or_reject(platform, package)
    return Published(_publish(platform, compiled, actor), compiled.warnings)


def publish_from_console(platform, package: ProcedurePackage) -> ProcedureVersion:
    """`motcua publish DIR`: the operator at the server's console (who already holds the
    configuration and the database) publishes without an account; no publisher is recorded."""
    return _publish(platform, compile_or_reject(platform, package), None)


def _publish(platform, compiled: CompiledProcedure, actor: Actor | None) -> ProcedureVersion:
    with platform.uow() as uow:
        try:
            version = store_version(uow.session, compiled, actor, platform.now())
            uow.commit()
        except IntegrityError as err:  # two first publications of one code at once: one wins
            raise Conflict("Thủ tục đang được công bố đồng thời bởi người khác; hãy thử lại.") from err
        return version


def store_version(session, compiled: CompiledProcedure, actor: Actor | None, now) -> ProcedureVersion:
    """A new version unless the same content is already the latest (publishing is idempotent)."""
    manifest = compiled.manifest
    office = session.scalar(select(Office).where(Office.code == manifest["competent_office"]))
    if office is None:
        raise PackageRejected("Cơ quan có thẩm quyền không tồn tại.", extra={"problems": [{
            "element": "manifest.competent_office",
            "message": f"Không có cơ quan mã «{manifest['competent_office']}».",
        }]})
    procedure = session.scalar(select(Procedure).where(Procedure.code == manifest["code"]).with_for_update())
    if procedure is None:
        procedure = Procedure(code=manifest["code"], name=manifest["name"], latest_version=0)
        session.add(procedure)
        session.flush()
    else:
        latest = session.scalar(select(ProcedureVersion).where(
            ProcedureVersion.procedure_id == procedure.id,
            ProcedureVersion.version == procedure.latest_version))
        if latest is not None and latest.content_hash == compiled.content_hash:
            return latest
    procedure.latest_version += 1
    procedure.name = manifest["name"]
    version = ProcedureVersion(
        procedure_id=procedure.id, version=procedure.latest_version, process_id=compiled.process_id,
        manifest=manifest, bpmn=compiled.bpmn, forms=compiled.forms, content_hash=compiled.content_hash,
        spec=compiled.spec_text, published_at=now, published_by=actor.user_id if actor else None)
    session.add(version)
    session.flush()
    return version


def list_procedures(platform, page: int, per_page: int):
    with platform.uow() as uow:
        query = select(Procedure).order_by(Procedure.code)
        total = uow.session.scalar(select(func.count(Procedure.id)))
        items = uow.session.scalars(query.offset((page - 1) * per_page).limit(per_page)).all()
        return [(p, _latest(uow.session, p)) for p in items], total


def get_procedure(platform, code: str):
    with platform.uow() as uow:
        procedure = uow.session.scalar(select(Procedure).where(Procedure.code == code))
        if procedure is None:
            raise NotFound(f"Không có thủ tục mã «{code}».")
        versions = list(procedure.versions)
        return procedure, versions


def _latest(session, procedure):
    return session.scalar(select(ProcedureVersion).where(
        ProcedureVersion.procedure_id == procedure.id, ProcedureVersion.version == procedure.latest_version))


def latest_version(session, code: str) -> ProcedureVersion:
    procedure = session.scalar(select(Procedure).where(Procedure.code == code))
    if procedure is None:
        raise NotFound(f"Không có thủ tục mã «{code}».")
    return _latest(session, procedure)
