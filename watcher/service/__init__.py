"""``watcher run``: the long-running service, and ``watcher status``. APScheduler 3 wiring only; the
work itself is in pipeline, digest and retention.

Jobs, named as in the ``job_runs`` table:

    scan:<source>   every ``[schedule] scan_every`` (or the source's own ``scan_every``), with jitter
    deliver         every ``[schedule] deliver_every``: the outbox
    digest          weekly, ``[digest] weekday`` at ``time`` in the district's time zone: last week
    purge           daily: retention

State lives in our database, not in a job store: each job records when it started and finished,
how it ended, and when it runs next. At start the service marks what a killed process left
running as abandoned, and runs at once what is overdue: a scan whose last complete run is older
than its interval, a weekly digest whose time has passed unsent (its outbox key makes it once).
A kill at any moment loses nothing: findings are recorded one profile per transaction (and are
unique), alerts are queued as findings are recorded, in the transaction that marks them alerted,
and delivery hands a message over again under the same delivery key after a crash.

The modules: ``job_targets`` (the jobs, plain functions the scheduler calls by reference),
``plan`` (each job's trigger and first run), ``scheduler`` (the APScheduler run loop and its stop),
``lock`` (one process per database), ``status`` (``watcher status``) and ``health``
(``watcher status --check``).
"""

from watcher.service.lock import ServiceLock, lock_path, service_pid
from watcher.service.scheduler import run_service
from watcher.service.status import service_status

__all__ = ["ServiceLock", "lock_path", "run_service", "service_pid", "service_status"]
