"""The WSGI entry for a production server: `gunicorn 'api.wsgi:app'` (or `motcua serve --workers N`).

Each worker process builds its own application and database engine when it imports this module
(no `--preload`: connections are never shared across a fork). Settings come from the environment
(`MOTCUA_CONFIG`, `DATABASE_URL`, `MOTCUA_ENV`, …) as for every `motcua` command. The scheduler
does not run in the workers: run one or more `motcua scheduler` processes beside them.
"""
from __future__ import annotations

from api import create_app

app = create_app()
