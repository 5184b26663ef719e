"""The one error hierarchy of Identity Watch.

    WatcherError
    ├── ConfigError          bad or unreadable configuration
    ├── InputError           bad user input (roster, image file, CLI argument)
    ├── SourceError          a source could not give an answer
    │   ├── SourceUnavailable    connection refused, timeout, 5xx
    │   ├── SourceBlocked        forbidden, challenge page, robots.txt
    │   │   └── RateLimited          the host asked us to wait longer than we will
    │   └── ParseError           the answer was not in the shape we know
    ├── UnsafeURL            a scraped URL points somewhere we must not fetch
    ├── ImageError           an image is unreadable, too large or not an image
    ├── DeliveryError        an e-mail could not be handed over
    │   ├── PermanentDeliveryError   retrying will not help
    │   └── TransportUnavailable     no message can go now (server down, login refused)
    ├── AlreadyRunning       another `watcher run` holds this database
    └── AlreadyAlerted       another process alerted these findings first (the outbox rolls back)

Every message is one line, fit to show a district administrator as is.
"""

from __future__ import annotations


class WatcherError(Exception):
    """Base of every error Identity Watch raises on purpose."""


class ConfigError(WatcherError):
    """The configuration is missing, unreadable or invalid."""


class InputError(WatcherError):
    """User-supplied input (a roster, a file, an argument) is invalid."""


class SourceError(WatcherError):
    """A source could not tell us anything; the answer is unknown."""

    reason = "error"


class SourceUnavailable(SourceError):
    """The source did not answer: connection refused, timeout, server error."""

    reason = "unavailable"


class SourceBlocked(SourceError):
    """The source refused to answer: rate limit, forbidden, challenge page."""

    reason = "blocked"


class RateLimited(SourceBlocked):
    """The host's rate limit (or our budget for it) is spent for now; try next scan."""

    reason = "rate_limited"


class ParseError(SourceError):
    """The source answered in a shape we do not understand."""

    reason = "unparseable"


class UnsafeURL(WatcherError):
    """A URL points at an address or scheme we refuse to fetch."""


class ImageError(WatcherError):
    """An image could not be read, or is larger than we accept."""


class DeliveryError(WatcherError):
    """A message could not be delivered this time; it may be retried."""


class PermanentDeliveryError(DeliveryError):
    """A message can never be delivered as it is."""


class TransportUnavailable(DeliveryError):
    """The transport cannot deliver any message now (server unreachable, login refused): the
    delivery run stops; the messages wait and their attempts are not spent."""


class AlreadyRunning(WatcherError):
    """Another ``watcher run`` already serves this database."""


class AlreadyAlerted(WatcherError):
    """Another process alerted some of these findings first; nothing was queued."""
