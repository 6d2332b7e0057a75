"""Who acts in the simulated province: the demo staff (motcua.seed), by office and role, and when."""
from __future__ import annotations

import random
from datetime import datetime, time, timedelta

from motcua.clock import VN_TZ
from motcua.seed import STAFF

OPENING, CLOSING = time(7, 30), time(17, 0)


def username(office_code: str, role: str) -> str:
    return f"{STAFF[office_code]}.{role}"


def role_of(lane: str) -> str:
    """A lane is a role (`specialist`) or `OFFICE:role` (another agency's step)."""
    return lane.rsplit(":", 1)[-1]


def at_desk(moment: datetime, rng: random.Random) -> datetime:
    """The first working instant at or after `moment` (Monday–Friday, 07:30–17:00): staff act in
    office hours. A moment outside them moves to the next opening plus a few minutes."""
    local = moment.astimezone(VN_TZ)
    day = local.date()
    if local.time() >= CLOSING or local.weekday() >= 5:
        day += timedelta(days=1)
        local = None
    elif local.time() < OPENING:
        local = None
    while day.weekday() >= 5:
        day += timedelta(days=1)
    if local is not None:
        return local
    return datetime.combine(day, OPENING, VN_TZ) + timedelta(minutes=rng.randint(5, 90))


def receipt_times(day, count: int, rng: random.Random) -> list[datetime]:
    """`count` instants of one working day, in the morning (07:30–11:30) or afternoon (13:00–17:00)
    desk hours, twice as many in the morning as after lunch."""
    out = []
    for _ in range(count):
        if rng.random() < 2 / 3:
            start, minutes = time(7, 30), 240
        else:
            start, minutes = time(13, 0), 240
        out.append(datetime.combine(day, start, VN_TZ) + timedelta(seconds=rng.randint(0, minutes * 60 - 1)))
    return sorted(out)
