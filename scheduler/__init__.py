"""The scheduler: BPMN timers, deadline enforcement, Saturday desks, periodic reports, notifications.

It runs inside `motcua serve` (embedded default) or alone as `motcua scheduler`; `motcua scheduler
tick --now ISO` runs every job once at an instant. Any number of scheduler processes may share one
database: they behave as one (locking.py).

- jobs.py: the jobs and `tick`; runner.py: APScheduler wiring and `status`
- timers.py: wake the process instances whose BPMN timers are due (process_instances.next_timer_at)
- deadlines.py: apology drafts one working day before a due time, overdue flags and the officials
  responsible at it (dossiers and each step)
- reports.py: the monthly report per office, reminders of the plan's reporting deadlines
- desks.py: Saturday desk notices by each office's Saturday mode
- delivery.py: the notification outbox through its channels, with retries
- locking.py: claiming work (SKIP LOCKED, singletons), savepoints per item, run records
"""
