"""The designer's studio and the auditor's view in a real Chromium (issue 15.2, 15.3).

The designer uploads a broken procedure, sees the problem listed and marked on the diagram of the
uploaded package, fixes it, publishes version 2 and reads what changed; the auditor opens a
dossier's timeline in words, its diagram and the verdict, exports it and verifies every dossier.
Screenshots go to artifacts/screenshots/<test>.png."""
from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote

from lxml import etree

from tests.browser.test_pages import api_login, receive_by_api

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture fails these tests with the reason
    expect = None

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "artifacts" / "screenshots"
LIBRARY = ROOT / "bpmn" / "trich-luc-ho-tich"
SVG = "http://www.w3.org/2000/svg"
STEP = "tra_cuu_in_trich_luc"
OLD_NAME = "Tra cứu sổ hộ tịch, in bản sao trích lục"
NEW_NAME = "Tra cứu sổ hộ tịch điện tử, in bản sao trích lục"


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def package_files(bpmn: str, manifest: str) -> list[dict]:
    """The procedure's files as the multiple-file input gets them (loose: forms beside the BPMN)."""
    files = [{"name": "process.bpmn", "mimeType": "application/xml", "buffer": bpmn.encode()},
             {"name": "manifest.yaml", "mimeType": "application/yaml", "buffer": manifest.encode()}]
    files += [{"name": p.name, "mimeType": "application/json", "buffer": p.read_bytes()}
              for p in sorted((LIBRARY / "forms").glob("*.json"))]
    return files


def svg_of(image) -> etree._Element:
    source = image.get_attribute("src")
    assert source.startswith("data:image/svg+xml")
    return etree.fromstring(unquote(source.split(",", 1)[1]).encode())


def test_the_designer_fixes_a_broken_procedure_and_publishes_version_2(new_page, sign_in):
    page = sign_in(new_page(), "designer")
    page.get_by_role("link", name="Thiết kế thủ tục").click()
    expect(page.get_by_role("heading", name="Thiết kế thủ tục", level=1)).to_be_visible()
    expect(page.locator("#studio-procedures")).to_contain_text("Cấp bản sao trích lục hộ tịch")

    bpmn = (LIBRARY / "process.bpmn").read_text(encoding="utf-8")
    manifest = (LIBRARY / "manifest.yaml").read_text(encoding="utf-8")
    marker = f'<bpmn:userTask id="{STEP}" name="{OLD_NAME}">'
    assert marker in bpmn
    head, tail = bpmn.split(marker, 1)
    broken = head + marker + tail.replace('name="allotment_days" value="0"', 'name="allotment_days" value="2"', 1)

    # 1. a broken package: the problem is listed with its element and marked on the diagram
    page.set_input_files("#studio-files", package_files(broken, manifest))
    page.get_by_role("button", name="Kiểm tra gói").click()
    alert = page.locator("#studio-result .alert.error")
    expect(alert).to_contain_text("vấn đề")
    expect(page.locator("#studio-result table.problems")).to_contain_text(STEP)
    image = page.locator("#studio-diagram img")
    expect(image).to_be_visible()
    page.wait_for_function("() => { const i = document.querySelector('#studio-diagram img');"
                           " return i && i.complete && i.naturalWidth > 0; }")
    marked = [g.get("data-bpmn-id") for g in svg_of(image).iter(f"{{{SVG}}}g")
              if "state-problem" in (g.get("class") or "").split()]
    assert STEP in marked
    expect(page.get_by_role("button", name="Công bố phiên bản mới")).to_have_count(0)
    shot(page, "test_designer_broken_package")

    # 2. fixed (the allotment back in the legal time), with a clearer step name and a new fee
    fixed = bpmn.replace(f'name="{OLD_NAME}"', f'name="{NEW_NAME}"')
    new_manifest = manifest.replace("fee: 8000", "fee: 10000")
    assert new_manifest != manifest
    page.set_input_files("#studio-files", package_files(fixed, new_manifest))
    page.get_by_role("button", name="Kiểm tra gói").click()
    expect(page.locator("#studio-result .alert.success")).to_contain_text("Gói hợp lệ")
    expect(page.locator("#studio-form-preview input").first).to_be_visible()  # the clerk's form, previewed
    image = page.locator("#studio-diagram img")
    page.wait_for_function("() => { const i = document.querySelector('#studio-diagram img');"
                           " return i && i.complete && i.naturalWidth > 0; }")
    assert not [g for g in svg_of(image).iter(f"{{{SVG}}}g") if "state-problem" in (g.get("class") or "")]
    page.get_by_role("button", name="Công bố phiên bản mới").click()

    # 3. version 2 is published and what changed is shown
    expect(page.locator("#flash")).to_contain_text("Đã công bố phiên bản 2")
    expect(page).to_have_url(re.compile(r"#/thiet-ke/trich-luc-ho-tich\?so-sanh=2$"))
    diff = page.locator("#studio-diff")
    expect(diff).to_contain_text(NEW_NAME)
    expect(diff).to_contain_text(f"«{OLD_NAME}»")
    expect(diff).to_contain_text("Lệ phí")
    expect(diff).to_contain_text("«10000»")
    expect(page.locator("table.versions tbody tr")).to_have_count(2)
    expect(page.locator("#studio-migrate")).to_have_attribute("href", "#/chuyen-phien-ban/trich-luc-ho-tich")
    shot(page, "test_designer_publishes_version_2")


def test_the_auditor_reads_a_dossiers_timeline_diagram_and_verdict(new_page, sign_in):
    page = sign_in(new_page(), "auditor")
    desk = api_login(page, "minhxuan.receiver")
    dossier = receive_by_api(page, desk)
    code, task = dossier["code"], dossier["current_steps"][0]["task_id"]
    done = page.request.post(f"/api/v1/tasks/{task}/complete", headers=desk,
                             data={"data": {"ho_so_hop_le": True, "da_so_hoa": True, "so_trang_so_hoa": 4}})
    assert done.status == 200, done.text()
    receiver = page.request.get("/api/v1/users/me", headers=desk).json()["full_name"]

    page.get_by_role("link", name="Kiểm tra hồ sơ").click()
    page.get_by_label("Mã hồ sơ").fill(code)
    page.get_by_role("button", name="Xem lịch sử").click()
    expect(page.locator("#audit-code")).to_have_text(code)
    verdict = page.locator("#audit-verdict")
    expect(verdict).to_contain_text("Lịch sử đáng tin cậy")
    expect(verdict).to_contain_text("Chuỗi băm nguyên vẹn")
    timeline = page.locator("#audit-timeline")
    first = timeline.locator("li").first
    expect(first).to_contain_text("Tiếp nhận hồ sơ")
    expect(first).to_contain_text(receiver)
    expect(first).to_contain_text("UBND phường Minh Xuân")
    assert re.search(r"\d{2}/\d{2}/\d{4} \d{2}:\d{2}", first.locator(".timeline-when").inner_text())
    completed = timeline.locator("li[data-type=step_completed]")
    expect(completed).to_contain_text("Hồ sơ đầy đủ, hợp lệ")  # the step form's title, not the key
    expect(completed).to_contain_text("Số trang đã số hóa")
    assert "minhxuan.receiver" not in timeline.inner_text()

    page.get_by_role("button", name="Xem sơ đồ quy trình").click()
    image = page.locator("#dossier-diagram img")
    expect(image).to_be_visible()
    page.wait_for_function("() => { const i = document.querySelector('#dossier-diagram img');"
                           " return i && i.complete && i.naturalWidth > 0; }")
    assert "state-current" in unquote(image.get_attribute("src"))
    shot(page, "test_auditor_timeline")

    with page.expect_download() as info:
        page.get_by_role("button", name="Tải CSV").click()
    download = info.value
    assert download.suggested_filename == f"dong-thoi-gian-{code}.csv"
    text = Path(download.path()).read_text(encoding="utf-8-sig")
    assert "Tiếp nhận hồ sơ" in text and "Kết luận" in text

    page.get_by_role("link", name="← Kiểm tra hồ sơ").click()
    page.get_by_role("button", name="Kiểm tra toàn bộ hồ sơ").click()
    expect(page.locator("#audit-verify-status")).to_contain_text("Đã kiểm tra 1/1 hồ sơ")
    expect(page.get_by_text("đều có chuỗi băm nguyên vẹn")).to_be_visible()
    shot(page, "test_auditor_verify_all")

    # from the dossier's ordinary page, the auditor reaches the same timeline
    page.goto(f"/app#/ho-so/{code}")
    page.get_by_role("link", name="Xem lịch sử bằng lời và kết luận kiểm tra").click()
    expect(page.locator("#audit-verdict")).to_contain_text("Lịch sử đáng tin cậy")


def test_the_designer_publishes_a_whole_folder(new_page, sign_in):
    """A folder chosen with the directory picker: its files arrive under their relative paths
    (simple/process.bpmn, simple/forms/…), the top folder is dropped on the server."""
    page = sign_in(new_page(), "designer")
    page.goto("/app#/thiet-ke")
    page.set_input_files("#studio-folder", str(ROOT / "tests" / "fixtures" / "simple"))
    expect(page.locator("#studio-result")).to_contain_text("Đã chọn")
    page.get_by_role("button", name="Kiểm tra gói").click()
    expect(page.locator("#studio-result .alert.success")).to_contain_text("Thủ tục thử nghiệm")
    page.locator("#studio-form-select").select_option("tham_dinh")
    expect(page.locator("#studio-form-preview")).to_contain_text("Ý kiến thẩm định")
    page.get_by_role("button", name="Công bố phiên bản mới").click()
    expect(page.locator("#flash")).to_contain_text("Đã công bố phiên bản 1")
    expect(page.locator("#studio-title")).to_have_text("Thủ tục thử nghiệm")
    expect(page.locator("#studio-migrate")).to_have_count(0)  # one version: nothing to migrate
    page.get_by_role("button", name="Sơ đồ").click()
    expect(page.locator("#studio-version-diagram img")).to_be_visible()
    shot(page, "test_designer_publishes_a_folder")
