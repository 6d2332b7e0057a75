"""Deterministic replay of a dossier: its recorded inputs through the same core, compared.

- `records`: the recorded events and the stored state replay reads (plain data), `Diverged`;
- `timeline`: the working calendars in force at any point of the global order (the core's
  `Calendars` protocol for each event), and the legal functions BPMN expressions call;
- `replayer`: each input through the transition of motcua/domain the live use case calls, and
  the engine calls of engine/, under a clock frozen at the input's time;
- `matching`: one event of the core against one of the log;
- `stored`: after the last event, the rebuilt state against the dossier, rows and workflow stored.

Plain Python: no database, no Flask; the audit service (motcua/services/audit.py) gathers the
inputs read-only and calls `Replayer.run`. Nothing here can write anywhere.
"""
from motcua.replay.records import Diverged, Record, Stored, StoredDossier, StoredProcess, StoredRow
from motcua.replay.replayer import MAX_DIFFERENCES, Replayer
from motcua.replay.timeline import CalendarTimeline, CalendarsAt, legal_functions, office_like

__all__ = ["CalendarTimeline", "CalendarsAt", "Diverged", "MAX_DIFFERENCES", "Record", "Replayer", "Stored",
           "StoredDossier", "StoredProcess", "StoredRow", "legal_functions", "office_like"]
