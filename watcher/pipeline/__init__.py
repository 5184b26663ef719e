"""The one place that wires the layers:

enrolment → query plan → source → profile → match → finding → outbox → delivery.

``scan`` runs a scan (``queries`` asks a source, ``recheck`` asks again for what findings depend
on), ``alerting`` turns findings into alerts and delivers the outbox, ``scan_report`` is what a
scan reports, ``enrolment`` saves a roster.
"""

from watcher.pipeline.alerting import deliver_outbox, delivery_key, queue_alerts
from watcher.pipeline.enrolment import import_roster
from watcher.pipeline.scan import run_scan
from watcher.pipeline.scan_report import DeliveryReport, ScanProgress, ScanReport, SourceStats

__all__ = [
    "DeliveryReport",
    "ScanProgress",
    "ScanReport",
    "SourceStats",
    "deliver_outbox",
    "delivery_key",
    "import_roster",
    "queue_alerts",
    "run_scan",
]
