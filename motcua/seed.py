"""The demo province: offices of Tuyên Quang, one user of every role, and the procedure library.

The library is read from the package (`motcua.config.LIBRARY_DIR`, the repository's `bpmn/`
shipped as package data), so `motcua seed-demo` works from any folder with only the wheel.
`seed_demo` is a use case: it owns its unit of work and commits once.
"""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from engine.package import load_package_dir, package_dirs
from engine.problems import PackageInvalid
from motcua.config import LIBRARY_DIR, ConfigError
from motcua.db.models import Office, User
from motcua.services.passwords import DEMO_PASSWORD
from motcua.services.people import add_office, add_user, hash_password
from motcua.services.procedures import compile_or_reject, store_version

OFFICES = [
    # code, name, level, parent, saturday
    ("UBND.TINH", "Ủy ban nhân dân tỉnh Tuyên Quang", "province", None, "none"),
    ("TTPVHCC", "Trung tâm Phục vụ hành chính công tỉnh Tuyên Quang", "center", "UBND.TINH", "full_day"),
    ("SNNMT", "Sở Nông nghiệp và Môi trường", "department", "UBND.TINH", "full_day"),
    ("STP", "Sở Tư pháp", "department", "UBND.TINH", "morning"),
    ("STC", "Sở Tài chính", "department", "UBND.TINH", "morning"),
    ("UBND.MINHXUAN", "Ủy ban nhân dân phường Minh Xuân", "commune", "UBND.TINH", "morning"),
    ("UBND.YENSON", "Ủy ban nhân dân xã Yên Sơn", "commune", "UBND.TINH", "none"),
    ("CA.MINHXUAN", "Công an phường Minh Xuân", "vertical", "CA.TINH", "none"),
    ("CA.TINH", "Công an tỉnh Tuyên Quang", "vertical", None, "none"),
    ("BHXH.TQ", "Bảo hiểm xã hội tỉnh Tuyên Quang", "vertical", None, "none"),
]

# username prefix per office for its desk clerk, specialist and leader
STAFF = {
    "TTPVHCC": "ttpvhcc", "SNNMT": "snnmt", "STP": "stp", "STC": "stc", "UBND.TINH": "ubndtinh",
    "UBND.MINHXUAN": "minhxuan", "UBND.YENSON": "yenson", "CA.MINHXUAN": "caminhxuan",
    "CA.TINH": "catinh", "BHXH.TQ": "bhxh",
}
ROLE_NAMES = {"receiver": "Cán bộ một cửa", "specialist": "Chuyên viên", "leader": "Lãnh đạo"}
PERSONS = {"receiver": "Nguyễn Thị Lan", "specialist": "Trần Văn Hùng", "leader": "Lê Minh Đức"}


def seed_people(session, now) -> list[str]:
    created = []
    Office_codes = set(session.scalars(select(Office.code)))
    pending = [o for o in OFFICES if o[0] not in Office_codes]
    # parents first: CA.MINHXUAN's parent CA.TINH comes later in the list
    while pending:
        progressed = False
        for item in list(pending):
            code, name, level, parent, saturday = item
            if parent is None or parent in Office_codes:
                add_office(session, now, code=code, name=name, level=level, parent_code=parent, saturday=saturday)
                Office_codes.add(code)
                pending.remove(item)
                created.append(f"office {code}")
                progressed = True
        if not progressed:
            raise RuntimeError("office parents form a cycle")
    users = [("admin", "Quản trị hệ thống", "TTPVHCC", ["admin"]),
             ("designer", "Người thiết kế quy trình", "TTPVHCC", ["designer"]),
             ("auditor", "Thanh tra viên", "UBND.TINH", ["auditor"])]
    for office, prefix in STAFF.items():
        for role in ("receiver", "specialist", "leader"):
            users.append((f"{prefix}.{role}", f"{PERSONS[role]} ({ROLE_NAMES[role]})", office, [role]))
    existing = set(session.scalars(select(User.username)))
    shared_hash = hash_password(DEMO_PASSWORD)  # demo accounts share one password: hash it once
    for username, full_name, office, roles in users:
        if username not in existing:
            add_user(session, now, username=username, password=DEMO_PASSWORD, full_name=full_name,
                     office_code=office, roles=roles, password_hash=shared_hash)
            created.append(f"user {username}")
    return created


def seed_procedures(platform, session, folder: Path | None = None) -> list[str]:
    folder = Path(folder or LIBRARY_DIR)
    paths = package_dirs(folder) if folder.is_dir() else []
    if not paths:  # an installation without its library must not seed a province without procedures
        raise ConfigError(f"Không có thủ tục mẫu nào trong {folder}: bản cài đặt thiếu thư viện thủ tục.")
    published = []
    for path in paths:
        try:
            compiled = compile_or_reject(platform, load_package_dir(path))
        except PackageInvalid as err:
            raise RuntimeError(f"{path.name}: {[p.message for p in err.problems]}") from err
        version = store_version(session, compiled, None, platform.now())
        published.append(f"{compiled.manifest['code']} v{version.version}")
    return published


def seed_demo(platform) -> list[str]:
    with platform.uow() as uow:
        done = seed_people(uow.session, platform.now())
        done += seed_procedures(platform, uow.session)
        uow.commit()
        return done
