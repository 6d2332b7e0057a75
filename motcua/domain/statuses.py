"""Every status a dossier, a step and a process instance can be in, declared once.

The database stores these strings; the API shows them; the rules in this package are the only
place that moves a dossier or a step from one to another.
"""
from __future__ import annotations

# -- dossier ------------------------------------------------------------------------------------
PROCESSING = "processing"
SUPPLEMENT_REQUESTED = "supplement_requested"
DONE = "done"            # the result is ready (an end event without outcome)
RETURNED = "returned"    # the result was handed to the applicant
REJECTED = "rejected"    # refusal (form 03), by a person or an end event `outcome=rejected`
STOPPED = "stopped"      # notice of stopping, by a person or an end event `outcome=stopped`
WITHDRAWN = "withdrawn"  # at the applicant's request

OPEN_STATUSES = (PROCESSING, SUPPLEMENT_REQUESTED)
FINAL_STATUSES = (DONE, RETURNED, REJECTED, STOPPED, WITHDRAWN)
# What a person may end an open dossier with (reject / stop / withdraw)
ENDINGS = (REJECTED, STOPPED, WITHDRAWN)
# What an end event of the process may end it with (engine/conventions.end_outcome)
OUTCOMES = (DONE, REJECTED, STOPPED)

# -- step (a user task of the process, one row in `tasks`) --------------------------------------
READY = "ready"
COMPLETED = "completed"
CANCELLED = "cancelled"
STEP_STATES = (READY, COMPLETED, CANCELLED)

# -- process instance ---------------------------------------------------------------------------
RUNNING = "running"
PROCESS_COMPLETED = "completed"
PROCESS_CANCELLED = "cancelled"

# -- who records events the scheduler makes ------------------------------------------------------
SCHEDULER = "scheduler"
CITIZEN = "citizen"
