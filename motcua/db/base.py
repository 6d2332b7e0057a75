"""The declarative base every table derives from (its own module, so that the tables can be split
into modules that do not import each other)."""
from __future__ import annotations

from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    pass
