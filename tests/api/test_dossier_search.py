"""The desk's search (contract: GET /api/v1/dossiers?q=): code in any case, applicant name with or
without diacritics, identity number, phone; only what the office may see. SQLite and PostgreSQL."""
from __future__ import annotations

from sqlalchemy import text

from tests.api.helpers import API, APPLICANT, problem, receipt_body, simple_package


def _receive(api, **applicant):
    body = receipt_body(**{k: v for k, v in applicant.items() if k == "code"})
    body["applicant"] = {**APPLICANT, **{k: v for k, v in applicant.items() if k != "code"}}
    response = api.post(f"{API}/dossiers", json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["code"]


def _codes(api, q) -> list[str]:
    response = api.get(f"{API}/dossiers", query_string={"q": q})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["total"] == len(body["items"])
    return sorted(d["code"] for d in body["items"])


def test_search_by_name_id_phone_and_code(login, publish):
    publish(simple_package())
    publish(simple_package(code="thu-tuc-ys", name="Thủ tục Yên Sơn", competent_office="UBND.YENSON"))
    desk, other = login("minhxuan.receiver"), login("yenson.receiver")
    tuyet = _receive(desk, name="Đặng Thị Ánh Tuyết", id_number="008190005678", phone="+84 987 654 321")
    an = _receive(desk)                                      # Phạm Văn An, 008090001234, 0912 345 678
    dung = _receive(desk, name="Nguyễn Đức Dũng", id_number="008095551111", phone="0977000111")
    far = _receive(other, code="thu-tuc-ys", name="Đặng Văn Tuyết", id_number="008100009999", phone="0966000222")

    # the name without diacritics, in any case, any part, the terms in any order; đ is d
    assert _codes(desk, "dang thi anh tuyet") == [tuyet]
    assert _codes(desk, "TUYET") == [tuyet]                      # Yên Sơn's Đặng Văn Tuyết is not seen
    assert _codes(desk, "tuyết đặng") == [tuyet]
    assert _codes(desk, "duc dung") == [dung]
    assert _codes(desk, "Nguyễn Đức Dũng") == [dung]
    assert _codes(desk, "van an") == [an]
    # the identity number, whole or a part; the phone as typed (spaces, dots, +84)
    assert _codes(desk, "008190005678") == [tuyet]
    assert _codes(desk, "0987.654.321") == [tuyet]                # stored as +84 987 654 321
    assert _codes(desk, "0912 345 678") == [an]
    assert _codes(desk, "+84912345678") == [an]
    # the code in any case, or its tail
    assert _codes(desk, an.lower()) == [an]
    assert _codes(desk, an[-11:]) == [an]
    assert _codes(desk, "ubnd.minhxuan") == sorted([tuyet, an, dung])
    # nothing of another office: Minh Xuân's desk does not find Yên Sơn's dossier, nor the reverse
    assert _codes(desk, "0966000222") == [] and _codes(desk, far) == []
    assert _codes(other, "tuyet") == [far]
    assert _codes(other, "0912345678") == []
    # the auditor sees every office
    assert _codes(login("auditor"), "tuyet") == sorted([tuyet, far])
    # wildcards are text, not patterns
    assert _codes(desk, "%%%") == [] and _codes(desk, "___") == []
    # the search combines with the other filters
    assert _codes(desk, "tuyet") == _codes(desk, "tuyet") and \
        desk.get(f"{API}/dossiers", query_string={"q": "tuyet", "status": "done"}).get_json()["total"] == 0


def test_too_short_a_query_is_422_in_vietnamese(login, publish):
    publish(simple_package())
    body = problem(login("minhxuan.receiver").get(f"{API}/dossiers", query_string={"q": "an"}), 422)
    assert "ít nhất 3 ký tự" in body["detail"]


def test_receipt_fills_the_search_line_and_postgres_has_a_trigram_index(login, publish, platform):
    publish(simple_package())
    code = _receive(login("minhxuan.receiver"), name="Lê Thị Đào")
    with platform.uow(readonly=True) as uow:
        line = uow.session.execute(text("SELECT search_text FROM dossiers WHERE code = :c"), {"c": code}).scalar()
        assert line == f"{code.lower()} | le thi dao | 008090001234 | 0912345678"
        if uow.session.get_bind().dialect.name == "postgresql":
            indexdef = uow.session.execute(text(
                "SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_dossiers_search_trgm'")).scalar()
            assert "gin" in indexdef and "gin_trgm_ops" in indexdef


def test_migration_0007_fills_existing_rows_and_the_index_serves_the_search(login, publish, platform):
    """Down to 0005 (no search line) and up again: the rows received before are found."""
    from alembic import command

    from motcua.db.migrate import alembic_config
    publish(simple_package())
    desk = login("minhxuan.receiver")
    code = _receive(desk, name="Trần Thị Hồng Nhung", phone="0911222333")
    engine = platform.session_factory.kw["bind"]
    cfg = alembic_config(str(engine.url.render_as_string(hide_password=False)))
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.downgrade(cfg, "0005")
    with engine.begin() as connection:
        assert "search_text" not in {c["name"] for c in __import__("sqlalchemy").inspect(connection).get_columns("dossiers")}
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "head")
    assert _codes(desk, "hong nhung") == [code] and _codes(desk, "0911222333") == [code]
    if engine.dialect.name == "postgresql":   # the planner answers a LIKE from the trigram index
        fresh = __import__("sqlalchemy").create_engine(engine.url)
        with fresh.begin() as connection:
            connection.execute(text("SET LOCAL enable_seqscan = off"))
            plan = "\n".join(r[0] for r in connection.execute(text(
                "EXPLAIN SELECT id FROM dossiers WHERE search_text LIKE '%hong nhung%'")))
        fresh.dispose()
        assert "ix_dossiers_search_trgm" in plan, plan
