"""The scheduler: BPMN timers, deadline enforcement, Saturday desks, periodic reports, notifications.

It runs inside `motcua serve` (embedded default) or alone as `motcua scheduler`; `motcua scheduler
tick --now ISO` runs every job once at an instant. Any number of scheduler processes may share one
database: they behave as one (claims.py).

- jobs.py: the jobs and `tick`; runner.py: APScheduler wiring and `status`
- bpmn_timers.py: wake the process instances whose BPMN timers are due (process_instances.next_timer_at)
- deadline_watch.py: apology drafts two working days before a due time, overdue flags and the officials
  responsible at it (dossiers and each step)
- monthly_reports.py: the monthly report per office, reminders of the plan's reporting deadlines
- desks.py: Saturday desk notices by each office's Saturday mode
- calendar_years.py: from October, a warning while next year's calendar is not confirmed
- delivery.py: the notification outbox through its channels, with retries
- claims.py: claiming work (SKIP LOCKED, singletons), savepoints per item, run records
"""
