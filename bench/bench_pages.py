"""Page speed on the demo data: every page, and every API call each page makes, over real HTTP.

    python bench/bench_pages.py [--dossiers 60] [--repeat 30] [--database-url URL]

Builds a fresh database with the demo province (`seed_demo`), receives `--dossiers` dossiers of
the library at phường Minh Xuân over the API (some worked late, some on time, a supplement request,
one result returned), serves the whole application (API + pages) with werkzeug in a thread on a
free port, then requests each page and each API call the page makes `--repeat` times with a
signed-in user's token and prints p50/p95/max per request and per page (the page's HTML plus its
API calls one after the other, which is what a user waits for at most: the browser runs some in
parallel). The target (issue 15) is 300 ms per page; a line above it is marked.

The clock is frozen at Wednesday 02/12/2026 10:00 (a working day) so the figures do not depend on
the hour the bench runs.
"""
from __future__ import annotations

import argparse
import http.client
import json
import statistics
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from motcua.clock import VN_TZ, Clock  # noqa: E402

START = datetime(2026, 11, 25, 9, 0, tzinfo=VN_TZ)
NOW = datetime(2026, 12, 2, 10, 0, tzinfo=VN_TZ)
TARGET_MS = 300
PASSWORD = "motcua-demo"


class Client:
    def __init__(self, port: int):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.token = None

    def call(self, method: str, path: str, body=None) -> tuple[int, bytes]:
        headers = {"Accept": "application/json, text/html, */*"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        self.conn.request(method, path, body=data, headers=headers)
        response = self.conn.getresponse()
        return response.status, response.read()

    def json(self, method: str, path: str, body=None):
        status, raw = self.call(method, path, body)
        if status >= 400:
            raise RuntimeError(f"{method} {path}: {status} {raw[:300]!r}")
        return json.loads(raw) if raw else None

    def login(self, username: str) -> "Client":
        self.token = None
        self.token = self.json("POST", "/api/v1/auth/token", {"username": username, "password": PASSWORD})["access_token"]
        return self


def fill(port: int, clock: Clock, count: int) -> dict:
    """Dossiers of trich-luc-ho-tich (same day) at Minh Xuân: received from 25/11, a third worked
    late, a third on time and returned, one waiting for a supplement; the rest open."""
    desk = Client(port).login("minhxuan.receiver")
    specialist_name, leader_name = "minhxuan.specialist", "minhxuan.leader"
    codes, keys = [], []
    for i in range(count):
        clock.freeze(START + timedelta(days=(i * 7) // max(1, count), minutes=i))
        if (START + timedelta(days=(i * 7) // max(1, count))).weekday() >= 5:
            clock.freeze(START + timedelta(days=5, minutes=i))  # Monday 30/11
        desk.login("minhxuan.receiver")
        d = desk.json("POST", "/api/v1/dossiers", {
            "procedure_code": "trich-luc-ho-tich", "channel": "online" if i % 4 == 0 else "direct",
            "applicant": {"name": f"Nguyễn Văn Thử {i}", "id_number": f"0080900{i:05d}", "phone": f"09123{i:05d}"},
            "data": {"loai_su_kien": "khai_sinh", "ho_ten_nguoi_duoc_cap": f"Nguyễn Văn Thử {i}",
                     "noi_dang_ky": "UBND phường Minh Xuân", "so_ban": 1},
            "documents": [{"name": "Tờ khai cấp bản sao trích lục hộ tịch", "digitized": True}]})
        codes.append(d["code"])
        keys.append(d.get("lookup_key"))
    clock.freeze(NOW - timedelta(hours=1))
    desk.login("minhxuan.receiver")
    tasks = desk.json("GET", "/api/v1/tasks?scope=candidate&per_page=100")["items"]
    for n, task in enumerate(t for t in tasks if t["dossier_code"] in codes[: count * 2 // 3]):
        desk.json("POST", f"/api/v1/tasks/{task['id']}/claim")
        desk.json("POST", f"/api/v1/tasks/{task['id']}/complete", {"data": {"ho_so_hop_le": True, "da_so_hoa": True}})
    leader = Client(port).login(leader_name)
    leader.json("POST", f"/api/v1/dossiers/{codes[-1]}/supplement-request",
                {"reason": "Thiếu giấy tờ", "items": ["Bản sao căn cước"]})
    clock.freeze(NOW)
    return {"codes": codes, "keys": keys, "specialist": specialist_name, "leader": leader_name}


def measure(client: Client, path: str, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        started = time.perf_counter()
        status, _ = client.call("GET", path)
        out.append((time.perf_counter() - started) * 1000)
        if status >= 400:
            raise RuntimeError(f"GET {path}: {status}")
    return out


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dossiers", type=int, default=60)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--database-url")
    args = parser.parse_args()

    import logging

    from werkzeug.serving import make_server

    from api import create_app
    from motcua.config import load_settings
    from motcua.db.migrate import upgrade
    from motcua.platform import build_platform
    from motcua.seed import seed_demo

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    folder = tempfile.mkdtemp(prefix="bench-pages-")
    url = args.database_url or f"sqlite:///{folder}/pages.sqlite"
    environ = {"DATABASE_URL": url, "MOTCUA_ENV": "test", "MOTCUA_INSTANCE": folder}
    clock = Clock()
    clock.freeze(START)
    platform = build_platform(load_settings(environ=environ), clock=clock)
    upgrade(platform.session_factory.kw["bind"])
    seed_demo(platform)
    app = create_app(load_settings(environ=environ), clock=clock)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_port
    print(f"demo province + {args.dossiers} dossiers on {url.split(':')[0]}; filling…", file=sys.stderr)
    data = fill(port, clock, args.dossiers)
    code = data["codes"][0]
    late = data["codes"][1]

    anonymous = Client(port)
    staff = {name: Client(port).login(name) for name in
             ("minhxuan.receiver", "minhxuan.specialist", "minhxuan.leader", "auditor")}
    api = "/api/v1"
    pages = [
        ("/ (landing)", anonymous, ["/"]),
        ("/tra-cuu (lookup by key)", anonymous, ["/tra-cuu", f"{api}/public/dossiers/{code}?key={data['keys'][0]}"]),
        ("/app receiver: receive", staff["minhxuan.receiver"],
         ["/app", f"{api}/users/me", f"{api}/procedures", f"{api}/procedures/trich-luc-ho-tich"]),
        ("/app specialist: inbox", staff["minhxuan.specialist"],
         ["/app", f"{api}/users/me", f"{api}/tasks?scope=mine", f"{api}/tasks?scope=candidate"]),
        ("/app dossier list", staff["minhxuan.receiver"], ["/app", f"{api}/users/me", f"{api}/dossiers?page=1&per_page=20"]),
        ("/app dossier view", staff["minhxuan.receiver"],
         ["/app", f"{api}/users/me", f"{api}/dossiers/{late}", f"{api}/dossiers/{late}/history",
          f"{api}/procedures/trich-luc-ho-tich"]),
        ("/app dossier diagram", staff["minhxuan.receiver"], [f"{api}/dossiers/{late}/diagram.svg"]),
        ("/app/giay-to receipt", staff["minhxuan.receiver"], ["/app/giay-to", f"{api}/dossiers/{code}/documents/receipt"]),
        ("/app/giay-to control slip", staff["minhxuan.receiver"],
         ["/app/giay-to", f"{api}/dossiers/{late}/documents/control-slip"]),
        ("/app leader: dashboard", staff["minhxuan.leader"],
         ["/app", f"{api}/users/me", f"{api}/reports/dashboard?month=2026-12"]),
        ("/app leader: drill 2.1 (the dashboard is kept)", staff["minhxuan.leader"],
         [f"{api}/reports/index766/dossiers?month=2026-12&indicator=2.1&part=denominator"]),
        ("/app leader: register CSV", staff["minhxuan.leader"],
         [f"{api}/reports/register?from=2026-11-01&to=2026-12-31&format=csv"]),
        ("/app auditor: province dashboard", staff["auditor"], [f"{api}/reports/dashboard?month=2026-12"]),
    ]
    for _, client, paths in pages:  # warm up: templates, procedure specs, connections
        for path in paths:
            measure(client, path, 2)

    print(f"\n{'page / request':<58} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    print("-" * 86)
    worst = 0.0
    for name, client, paths in pages:
        per = {path: measure(client, path, args.repeat) for path in paths}
        totals = [sum(values) for values in zip(*per.values())]
        p95 = pct(totals, 0.95)
        worst = max(worst, p95)
        flag = "  > 300 ms" if p95 > TARGET_MS else ""
        print(f"{name:<58} {pct(totals, 0.5):8.1f} {p95:8.1f} {max(totals):8.1f}{flag}")
        for path, values in per.items():
            shown = path if len(path) <= 54 else path[:51] + "…"
            print(f"    {shown:<54} {pct(values, 0.5):8.1f} {pct(values, 0.95):8.1f} {max(values):8.1f}")
    print("-" * 86)
    print(f"slowest page p95: {worst:.1f} ms (target {TARGET_MS} ms): {'met' if worst <= TARGET_MS else 'NOT met'}")
    server.shutdown()


if __name__ == "__main__":
    main()
