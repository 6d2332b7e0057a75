"""The desk searches a dossier by the applicant's name typed without diacritics and opens it."""
from __future__ import annotations

from motcua.config import ROOT

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture fails these tests with the reason
    expect = None

SHOTS = ROOT / "artifacts" / "screenshots"


def _receive(page, name, phone):
    token = page.request.post("/api/v1/auth/token", data={"username": "minhxuan.receiver",
                                                           "password": "motcua-demo"}).json()["access_token"]
    answer = page.request.post("/api/v1/dossiers", headers={"Authorization": f"Bearer {token}"}, data={
        "procedure_code": "trich-luc-ho-tich", "channel": "online",
        "applicant": {"name": name, "id_number": "008090001234", "phone": phone},
        "data": {"loai_su_kien": "khai_sinh", "ho_ten_nguoi_duoc_cap": name, "noi_dang_ky": "UBND phường Minh Xuân",
                 "so_ban": 1},
        "documents": [{"name": "Tờ khai cấp bản sao trích lục hộ tịch"}]})
    assert answer.status == 201, answer.text()
    return answer.json()["code"]


def test_the_clerk_finds_a_dossier_by_a_name_without_diacritics(new_page, sign_in):
    page = sign_in(new_page(), "minhxuan.receiver")
    wanted = _receive(page, "Đặng Thị Ánh Tuyết", "0987654321")
    other = _receive(page, "Phạm Văn An", "0912345678")
    page.get_by_role("link", name="Hồ sơ", exact=True).click()
    page.get_by_label("Tìm hồ sơ").fill("dang thi anh tuyet")
    page.get_by_role("button", name="Tìm").click()
    rows = page.locator("#dossier-list tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Đặng Thị Ánh Tuyết")
    expect(page.locator("#dossier-list")).not_to_contain_text(other)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "test_the_clerk_finds_a_dossier_by_a_name_without_diacritics.png"), full_page=True)
    rows.first.get_by_role("link", name=wanted).click()
    expect(page.locator("#view h1")).to_contain_text(wanted)
    # back to the list: the search stays in the address and the box; nothing found says so
    page.go_back()
    expect(page.get_by_label("Tìm hồ sơ")).to_have_value("dang thi anh tuyet")
    page.get_by_label("Tìm hồ sơ").fill("khong co ai")
    page.get_by_role("button", name="Tìm").click()
    expect(page.locator("#dossier-list")).to_contain_text("Không tìm thấy hồ sơ nào")
