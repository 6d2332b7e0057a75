"""Passwords (issue 11 item 6): common and short ones are refused wherever a password is set
(admin API, `motcua create-admin`, self-service change), with Vietnamese messages; users change
their own password."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from motcua.config import ROOT
from tests.api.helpers import API, SignedIn, problem

WEAK = ["12345678", " " * 8, "1234567890", "qwertyuiop", "matkhau123", "minhxuan.moi1"]
GOOD = "gio-mo-cua-bay-ruoi"
USER = {"username": "minhxuan.moi", "full_name": "Hoàng Thị Mới", "office_code": "UBND.MINHXUAN",
        "roles": ["receiver"]}


def _vietnamese(message: str) -> bool:
    return any(ch in message for ch in "ảắặẩẫậếềểễệốồổỗộớờởỡợứừửữựấầịọụĩũơưđ")


@pytest.mark.parametrize("weak", WEAK, ids=["digits", "spaces", "common10", "keyboard", "vietnamese", "own-name"])
def test_an_admin_cannot_give_a_weak_password(client, weak):
    admin = SignedIn(client, "admin")
    body = problem(admin.post(f"{API}/users", json={**USER, "password": weak}), 422)
    assert body["errors"]["password"] and all(_vietnamese(m) for m in body["errors"]["password"])
    if weak != WEAK[-1]:  # the own-name case is about the new user's name
        problem(admin.patch(f"{API}/users/minhxuan.receiver", json={"password": weak}), 422)
    assert admin.post(f"{API}/users", json={**USER, "password": GOOD}).status_code == 201


def test_users_change_their_own_password(client, app):
    first = SignedIn(client, "minhxuan.specialist")
    second = SignedIn(client, "minhxuan.specialist")
    url = f"{API}/users/me/password"
    wrong = problem(first.post(url, json={"current_password": "khong-phai-mat-khau", "new_password": GOOD}), 422)
    assert "current_password" in wrong["errors"]
    weak = problem(first.post(url, json={"current_password": "motcua-demo", "new_password": "12345678"}), 422)
    assert "new_password" in weak["errors"]
    problem(first.post(url, json={"current_password": "motcua-demo"}), 422)
    problem(client.post(url, json={"current_password": "motcua-demo", "new_password": GOOD}), 401)

    done = first.post(url, json={"current_password": "motcua-demo", "new_password": GOOD})
    assert done.status_code == 204
    assert first.get(f"{API}/users/me").status_code == 200  # the session that asked stays open
    problem(second.get(f"{API}/users/me"), 401)  # the others end
    problem(client.post(f"{API}/auth/token", json={"username": "minhxuan.specialist", "password": "motcua-demo"}), 401)
    assert SignedIn(client, "minhxuan.specialist", GOOD).get(f"{API}/users/me").status_code == 200

    operation = client.get(f"{API}/openapi.json").get_json()["paths"]["/api/v1/users/me/password"]["post"]
    schema = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert schema.endswith("/PasswordChange") and "204" in operation["responses"]


def test_wrong_current_passwords_count_as_failed_sign_ins(client, app):
    me = SignedIn(client, "minhxuan.leader")
    free = app.extensions["motcua"].settings.section("security")["login_account_free_failures"]
    url = f"{API}/users/me/password"
    for i in range(free):
        problem(me.post(url, json={"current_password": f"doan-{i}-nua", "new_password": GOOD}), 422)
    problem(me.post(url, json={"current_password": "motcua-demo", "new_password": GOOD}), 429)


def test_create_admin_refuses_a_weak_password(db_url):
    env = {**os.environ, "DATABASE_URL": db_url, "MOTCUA_ENV": "test"}
    run = [sys.executable, "-m", "motcua.cli"]
    assert subprocess.run(run + ["init-db"], env=env, capture_output=True, timeout=300, cwd=ROOT).returncode == 0
    weak = subprocess.run(run + ["create-admin", "quantri", "--password", "12345678"], env=env,
                          capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert weak.returncode != 0 and "Mật khẩu" in weak.stderr
    good = subprocess.run(run + ["create-admin", "quantri", "--password", GOOD], env=env,
                          capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert good.returncode == 0, good.stderr
