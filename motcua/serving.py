"""`motcua serve --workers N`: the API in N processes under gunicorn (a production WSGI server).

The master migrates the database once, then forks the workers; each worker builds its own
application (and its own connection pool) after the fork. The scheduler is not embedded here:
it runs as one or more `motcua scheduler` processes (they share the work through the database).
"""
from __future__ import annotations

import logging
import os

log = logging.getLogger("motcua.serve")


def serve_workers(settings, config_path, *, host: str, port: int, workers: int, threads: int) -> None:
    from gunicorn.app.base import BaseApplication

    from motcua.db.migrate import upgrade
    from motcua.db.session import make_engine

    engine = make_engine(settings.database_url)
    try:
        upgrade(engine)
    finally:
        engine.dispose()
    if config_path:
        os.environ["MOTCUA_CONFIG"] = str(config_path)  # the workers read the same settings
    if os.environ.get("MOTCUA_INSTANCE") is None:
        os.environ["MOTCUA_INSTANCE"] = str(settings.instance_path)
    if settings.section("scheduler")["in_process"]:
        log.info("several API workers: the scheduler is not embedded; run `motcua scheduler` beside them")

    class Server(BaseApplication):
        def load_config(self):
            for key, value in {"bind": f"{host}:{port}", "workers": workers, "threads": threads,
                               "worker_class": "gthread", "timeout": 120, "graceful_timeout": 20,
                               "accesslog": None, "proc_name": "motcua"}.items():
                self.cfg.set(key, value)

        def load(self):
            from api import create_app
            return create_app()  # in the worker, after the fork: settings from the environment

    print(f"Một Cửa đang chạy tại http://{host}:{port}/ với {workers} tiến trình API", flush=True)
    Server().run()
