"""PAKN over HTTP on SQLite and PostgreSQL: public intake (rate limited, no personal data back), the
office concerned (the dossier's competent office when code and phone digits match, else the
provincial centre), access by office, the state machine (409 from the wrong state), due times on the
legal clock, the hash-linked history and the citizen's rating."""
from __future__ import annotations

from motcua.services import feedback as feedback_service
from tests.api.helpers import API, problem, receive, simple_package, staff, vn

NAME, CONTACT, CONTENT = "Nguyễn Thị Bình", "0987 654 321", "Cán bộ hẹn sai ngày, tôi phải đi lại ba lần."


def send(client, **extra):
    body = {"name": NAME, "contact": CONTACT, "content": CONTENT, "kind": "complaint"}
    body.update(extra)
    return client.post(f"{API}/public/feedback", json=body)


def created(client, **extra) -> dict:
    response = send(client, **extra)
    assert response.status_code == 201, response.get_json()
    out = response.get_json()
    assert set(out) == {"id", "code"} and out["code"].startswith("PAKN-")
    return out


def _no_personal_data(payload) -> None:
    text = str(payload)
    for secret in (NAME, CONTACT, CONTENT, "Phạm Văn An", "0912"):
        assert secret not in text, secret


def test_journey_of_a_complaint_about_a_dossier(client, publish, clock, platform):
    publish(simple_package())
    desk, specialist = staff(client, "minhxuan.receiver", "minhxuan.specialist")
    dossier = receive(desk)  # phone 0912 345 678, competent office UBND.MINHXUAN
    clock.freeze(vn("2026-11-25 09:00"))
    sent = created(client, dossier_code=dossier["code"].lower(), phone4="5678")

    # the citizen follows it by its code: status, office, nothing personal
    public = client.get(f"{API}/public/feedback/{sent['code'].lower()}")
    assert public.status_code == 200
    page = public.get_json()
    assert page["status"] == "received" and page["office_name"] == "Ủy ban nhân dân phường Minh Xuân"
    assert page["answer"] is None and page["may_rate"] is False
    _no_personal_data(page)

    # the office concerned sees it, with the contact; others do not
    listed = specialist.get(f"{API}/feedback").get_json()
    assert [i["code"] for i in listed["items"]] == [sent["code"]] and listed["total"] == 1
    _no_personal_data(listed)  # the list carries no name, contact or content
    detail = specialist.get(f"{API}/feedback/{sent['id']}").get_json()
    assert (detail["name"], detail["contact"], detail["content"]) == (NAME, CONTACT, CONTENT)
    assert detail["dossier_code"] == dossier["code"] and detail["office"] == "UBND.MINHXUAN"
    # 09:00 Wednesday 25/11/2026: 2, 5 and 15 working days later (no holiday until 1/1/2027)
    assert detail["due"] == {"refuse": "2026-11-27T09:00:00+07:00", "request_info": "2026-12-02T09:00:00+07:00",
                             "answer": "2026-12-16T09:00:00+07:00"}
    for other in staff(client, "yenson.receiver", "ttpvhcc.receiver"):
        assert other.get(f"{API}/feedback").get_json()["total"] == 0
        problem(other.get(f"{API}/feedback/{sent['id']}"), 404)
        problem(other.post(f"{API}/feedback/{sent['id']}/classify", json={"category": "conduct"}), 404)
    auditor, = staff(client, "auditor")
    assert auditor.get(f"{API}/feedback/{sent['id']}").status_code == 200
    problem(auditor.post(f"{API}/feedback/{sent['id']}/classify", json={"category": "conduct"}), 403)
    problem(client.get(f"{API}/feedback"), 401)

    # the state machine: answer needs a classification, publish needs an answer
    url = f"{API}/feedback/{sent['id']}"
    problem(specialist.post(f"{url}/answer", json={"text": "Trả lời", "publish": True}), 409)
    problem(specialist.post(f"{url}/publish", json={}), 409)
    problem(specialist.post(f"{url}/classify", json={"category": "khac"}), 422)
    assert specialist.post(f"{url}/classify", json={"category": "conduct"}).get_json()["status"] == "classified"
    clock.freeze(vn("2026-11-26 10:00"))
    specialist, = staff(client, "minhxuan.specialist")
    got = specialist.post(f"{url}/request-info", json={"reason": "Đề nghị cho biết ngày đến bộ phận một cửa."})
    assert got.get_json()["status"] == "info_requested"
    problem(specialist.post(f"{url}/request-info", json={"reason": "Lần hai"}), 409)
    assert client.get(f"{API}/public/feedback/{sent['code']}").get_json()["info_requested"] is True
    clock.freeze(vn("2026-12-01 16:00"))
    specialist, = staff(client, "minhxuan.specialist")  # tokens last 8 hours
    answered = specialist.post(f"{url}/answer", json={"text": "Đã nhắc nhở cán bộ, xin lỗi ông/bà.", "publish": False})
    assert answered.status_code == 200, answered.get_json()
    answered = answered.get_json()
    assert answered["status"] == "answered" and answered["pending"] == ["publish"]
    # published within 2 working days of 16:00 Tuesday 1/12: 16:00 Thursday 3/12
    assert answered["due"]["publish"] == "2026-12-03T16:00:00+07:00"
    assert client.get(f"{API}/public/feedback/{sent['code']}").get_json()["answer"] is None  # not yet public
    problem(client.post(f"{API}/public/feedback/{sent['code']}/rating", json={"rating": "satisfied"}), 409)
    clock.freeze(vn("2026-12-02 08:00"))
    specialist, = staff(client, "minhxuan.specialist")
    assert specialist.post(f"{url}/publish", json={}).get_json()["status"] == "published"
    problem(specialist.post(f"{url}/publish", json={}), 409)
    problem(specialist.post(f"{url}/refuse", json={"reason": "Muộn"}), 409)

    page = client.get(f"{API}/public/feedback/{sent['code']}").get_json()
    assert page["answer"] == "Đã nhắc nhở cán bộ, xin lỗi ông/bà." and page["may_rate"] is True
    _no_personal_data(page)
    rated = client.post(f"{API}/public/feedback/{sent['code']}/rating", json={"rating": "dissatisfied"})
    assert rated.status_code == 201 and rated.get_json()["rating"] == "dissatisfied"
    problem(client.post(f"{API}/public/feedback/{sent['code']}/rating", json={"rating": "satisfied"}), 409)

    history = specialist.get(f"{url}").get_json()["history"]
    assert [e["type"] for e in history] == ["feedback_received", "feedback_classified", "feedback_info_requested",
                                            "feedback_answered", "feedback_published", "feedback_rated"]
    assert all(e["data"].get("on_time", True) for e in history)
    _no_personal_data([e["data"] for e in history])
    assert feedback_service.verify(platform, sent["id"]) is None


def test_without_a_matching_dossier_the_provincial_centre_handles_it(client, publish):
    publish(simple_package())
    desk, = staff(client, "minhxuan.receiver")
    dossier = receive(desk)
    plain = created(client, kind="recommendation")
    wrong = created(client, dossier_code=dossier["code"], phone4="0000")  # wrong digits: not linked
    centre, minhxuan = staff(client, "ttpvhcc.specialist", "minhxuan.specialist")
    assert sorted(i["id"] for i in centre.get(f"{API}/feedback").get_json()["items"]) == sorted([plain["id"], wrong["id"]])
    assert centre.get(f"{API}/feedback/{wrong['id']}").get_json()["dossier_code"] is None
    assert minhxuan.get(f"{API}/feedback").get_json()["total"] == 0
    problem(client.get(f"{API}/public/feedback/PAKN-261125-NOTACODE"), 404)
    problem(send(client, kind="other"), 422)
    problem(send(client, name=""), 422)
    assert "contact" in problem(send(client, contact="     "), 422)["errors"]
    problem(send(client, extra="x"), 422)


def test_refusal_and_the_overdue_filter(client, clock):
    late = created(client)
    clock.freeze(vn("2026-11-25 10:00"))
    refused = created(client)
    centre, = staff(client, "ttpvhcc.leader")
    problem(centre.post(f"{API}/feedback/{refused['id']}/refuse", json={"reason": " "}), 422)
    out = centre.post(f"{API}/feedback/{refused['id']}/refuse", json={"reason": "Không thuộc thẩm quyền."}).get_json()
    assert out["status"] == "refused" and out["late"] == []
    assert client.get(f"{API}/public/feedback/{refused['code']}").get_json()["refuse_reason"] == "Không thuộc thẩm quyền."
    problem(centre.post(f"{API}/feedback/{refused['id']}/classify", json={"category": "policy"}), 409)
    # 15 working days after 08:00 25/11 is 08:00 16/12; a minute later the first is overdue
    assert centre.get(f"{API}/feedback?overdue=true").get_json()["total"] == 0
    clock.freeze(vn("2026-12-16 08:01"))
    centre, = staff(client, "ttpvhcc.leader")
    items = centre.get(f"{API}/feedback?overdue=true").get_json()["items"]
    assert [(i["id"], i["overdue"], i["late"]) for i in items] == [(late["id"], True, ["answer"])]
    assert centre.get(f"{API}/feedback?status=refused").get_json()["total"] == 1
    assert centre.get(f"{API}/feedback?overdue=false").get_json()["total"] == 1


def test_sending_is_rate_limited_per_client(client, settings):
    limit = int(settings.section("feedback")["submissions_per_hour"])
    for _ in range(limit):
        created(client)
    body = problem(send(client), 429)
    assert body["retry_after"] > 0 and "quá nhiều" in body["detail"].lower()
