"""The designer's studio over HTTP: a procedure uploaded as a folder's files or a zip (safely), its
diagram with the problem elements marked before publishing, and the diff between versions."""
from __future__ import annotations

import io
import json
import zipfile

import yaml
from lxml import etree

from tests.api.helpers import API, FIXTURE, problem, simple_package

SVG = "http://www.w3.org/2000/svg"


def folder_files(package: dict, top: str = "thu-tuc-thu") -> list[tuple[str, bytes]]:
    files = [(f"{top}/process.bpmn", package["bpmn"].encode()),
             (f"{top}/manifest.yaml", yaml.safe_dump(package["manifest"], allow_unicode=True).encode()),
             (f"{top}/README.md", b"# ignored")]
    files += [(f"{top}/forms/{name}.json", json.dumps(schema, ensure_ascii=False).encode())
              for name, schema in package["forms"].items()]
    return files


def multipart(files=(), archive: bytes | None = None) -> dict:
    data = {"files": [(io.BytesIO(content), name) for name, content in files]}
    if archive is not None:
        data["package"] = (io.BytesIO(archive), "thu-tuc.zip")
    return data


def zipped(files, **infos) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, content in files:
            z.writestr(name, content)
    return out.getvalue()


def post_upload(api, url, files=(), archive=None):
    return api.client.post(url, data=multipart(files, archive), headers=api.headers,
                           content_type="multipart/form-data")


def broken_package() -> dict:
    """The test procedure with an allotment that no longer fits the 3 legal days."""
    package = simple_package()
    bpmn = package["bpmn"]
    assert 'name="allotment_days" value="2"' in bpmn
    package["bpmn"] = bpmn.replace('name="allotment_days" value="2"', 'name="allotment_days" value="9"', 1)
    return package


def test_a_folders_files_validate_and_publish(login):
    designer = login("designer")
    answer = post_upload(designer, f"{API}/procedures/validate", folder_files(simple_package()))
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert body["valid"] and body["manifest"]["code"] == "thu-tuc-thu"
    assert set(body["forms"]) == {"to_khai", "tiep_nhan", "tham_dinh", "phe_duyet"}
    assert [s["id"] for s in body["steps"]]

    published = post_upload(designer, f"{API}/procedures", folder_files(simple_package()))
    assert published.status_code == 201, published.get_json()
    assert published.get_json()["version"] == 1
    # loose files (no folder, forms beside process.bpmn) are a package too
    loose = [(name.split("/")[-1], content) for name, content in folder_files(simple_package(legal_days=4))]
    again = post_upload(designer, f"{API}/procedures", loose)
    assert again.status_code == 201 and again.get_json()["version"] == 2


def test_a_zip_publishes_and_a_broken_package_lists_its_problems(login):
    designer = login("designer")
    ok = post_upload(designer, f"{API}/procedures", archive=zipped(folder_files(simple_package())))
    assert ok.status_code == 201, ok.get_json()

    body = problem(post_upload(designer, f"{API}/procedures/validate",
                               archive=zipped(folder_files(broken_package()))), 422)
    assert any("ngày" in p["message"] for p in body["problems"]), body
    missing = problem(post_upload(designer, f"{API}/procedures/validate",
                                  [("forms/to_khai.json", b"{nope")]), 422)
    messages = " ".join(p["message"] for p in missing["problems"])
    assert "process.bpmn" in messages and "manifest.yaml" in messages and "JSON" in messages
    line = [p for p in missing["problems"] if p.get("element") == "forms/to_khai.json"][0]
    assert line["line"] == 1


def test_zip_bombs_path_tricks_and_sizes_are_refused(login, app):
    designer = login("designer")
    url = f"{API}/procedures/validate"
    # a bomb: 20 MB of zeros compressed to a few KB
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("process.bpmn", b"\0" * (20 * 1024 * 1024))
    assert len(bomb.getvalue()) < 100_000
    body = problem(post_upload(designer, url, archive=bomb.getvalue()), 422)
    assert "bom nén" in body["problems"][0]["message"] or "quá" in body["problems"][0]["message"]
    # a lying entry header is caught while inflating: declared small, inflates large
    for name in ("../../etc/passwd", "/etc/passwd", "forms\\..\\x.json", "C:/x.json"):
        body = problem(post_upload(designer, url, archive=zipped([(name, b"{}")])), 422)
        assert body["problems"][0]["message"]
    link = io.BytesIO()
    with zipfile.ZipFile(link, "w") as z:
        info = zipfile.ZipInfo("process.bpmn")
        info.external_attr = (0o120777 << 16)
        z.writestr(info, "/etc/passwd")
    assert "liên kết" in problem(post_upload(designer, url, archive=link.getvalue()), 422)["problems"][0]["message"]
    problem(post_upload(designer, url, archive=b"PK\x03\x04 not a zip"), 422)
    many = [(f"forms/f{i}.json", b"{}") for i in range(150)]
    assert "giới hạn" in problem(post_upload(designer, url, archive=zipped(many)), 422)["problems"][0]["message"]
    too_big = b"x" * (5 * 1024 * 1024)
    problem(post_upload(designer, url, [("process.bpmn", too_big)]), 413)
    # nothing was stored by any of these
    assert designer.get(f"{API}/procedures").get_json()["total"] == 0


def test_the_uploaded_diagram_marks_the_problem_elements(login):
    designer = login("designer")
    response = post_upload(designer, f"{API}/procedures/diagram.svg", folder_files(broken_package()))
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.mimetype == "image/svg+xml"
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    assert int(response.headers["X-Problem-Count"]) >= 1
    svg = etree.fromstring(response.get_data())
    marked = [g.get("data-bpmn-id") for g in svg.iter(f"{{{SVG}}}g") if "state-problem" in (g.get("class") or "")]
    assert marked, "a problem element is marked"
    validate = problem(post_upload(designer, f"{API}/procedures/validate", folder_files(broken_package())), 422)
    assert set(marked) <= {p.get("element") for p in validate["problems"]}
    # a valid package: drawn with nothing marked
    clean = post_upload(designer, f"{API}/procedures/diagram.svg", folder_files(simple_package()))
    assert clean.status_code == 200 and clean.headers["X-Problem-Count"] == "0"
    assert not [g for g in etree.fromstring(clean.get_data()).iter(f"{{{SVG}}}g")
                if "state-problem" in (g.get("class") or "")]
    # JSON works too, and hostile XML cannot be drawn
    hostile = dict(simple_package(), bpmn='<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>')
    problem(designer.post(f"{API}/procedures/diagram.svg", json=hostile), 422)


def test_only_designers_and_admins_use_the_studio(login, publish):
    publish(simple_package())
    publish(simple_package(legal_days=4))
    for username in ("minhxuan.receiver", "minhxuan.specialist", "minhxuan.leader", "auditor"):
        api = login(username)
        problem(post_upload(api, f"{API}/procedures/validate", folder_files(simple_package())), 403)
        problem(post_upload(api, f"{API}/procedures/diagram.svg", folder_files(simple_package())), 403)
        problem(api.get(f"{API}/procedures/thu-tuc-thu/versions/2/diff?against=1"), 403)
    for username in ("designer", "admin"):
        assert login(username).get(f"{API}/procedures/thu-tuc-thu/versions/2/diff").status_code == 200
    designer = login("designer")
    problem(designer.get(f"{API}/procedures/thu-tuc-thu/versions/3/diff?against=1"), 404)
    problem(designer.get(f"{API}/procedures/thu-tuc-thu/versions/2/diff?against=9"), 404)
    problem(designer.get(f"{API}/procedures/khong-co/versions/2/diff?against=1"), 404)
    problem(designer.get(f"{API}/procedures/thu-tuc-thu/versions/abc/diff"), 404)


def test_the_diff_names_steps_lanes_legal_time_forms_and_manifest(login, publish):
    publish(simple_package())
    second = simple_package(legal_days=5, fee=20000, lanes={"specialist": "CA.MINHXUAN:specialist"})
    second["bpmn"] = second["bpmn"].replace('name="allotment_days" value="2"', 'name="allotment_days" value="2.5"', 1)
    second["forms"]["tham_dinh"]["properties"]["opinion"]["title"] = "Ý kiến của chuyên viên"
    second["forms"]["tham_dinh"]["properties"]["so_van_ban"] = {"type": "string", "title": "Số văn bản"}
    second["forms"]["tham_dinh"]["required"] = ["decision"]
    del second["forms"]["phe_duyet"]["properties"]["signed"]
    second["forms"]["phe_duyet"]["properties"]["ky_so"] = {"type": "boolean", "title": "Ký số"}
    second["forms"]["phe_duyet"]["required"] = ["ky_so"]
    publish(second)
    diff = login("designer").get(f"{API}/procedures/thu-tuc-thu/versions/2/diff?against=1").get_json()
    assert diff["version"] == 2 and diff["against"] == 1 and diff["same"] is False
    assert diff["legal_days"] == {"before": "3", "after": "5"}
    assert {"field": "fee", "before": "10000", "after": "20000"} in diff["manifest"]
    assert diff["lanes"] == {"added": ["CA.MINHXUAN:specialist"], "removed": ["specialist"]}
    changed = {s["id"]: {c["field"]: (c["before"], c["after"]) for c in s["changes"]} for s in diff["steps"]["changed"]}
    assert ("2", "2.5") in [v for step in changed.values() for k, v in step.items() if k == "allotment_days"]
    assert any(step.get("lane") == ("specialist", "CA.MINHXUAN:specialist") for step in changed.values())
    forms = {f["form"]: f for f in diff["forms"]["changed"]}
    assert forms["tham_dinh"]["added"] == [{"name": "so_van_ban", "title": "Số văn bản"}]
    opinion = {c["field"]: (c["before"], c["after"]) for c in
               [x for x in forms["tham_dinh"]["changed"] if x["name"] == "opinion"][0]["changes"]}
    assert opinion == {"title": ("Ý kiến thẩm định", "Ý kiến của chuyên viên"), "required": ("Có", "Không")}
    assert forms["phe_duyet"]["removed"] == [{"name": "signed", "title": "Đã ký"}]
    same = login("designer").get(f"{API}/procedures/thu-tuc-thu/versions/2/diff?against=2").get_json()
    assert same["same"] is True and not same["steps"]["changed"]
