"""A deadline for a whole request: connect, TLS, headers and body.

``Deadline`` bounds a whole request: a watchdog timer shuts the request's sockets down when time
is up, which a per-read timeout cannot do against a host that sends one byte at a time. The
connections of ``sources.connect`` ask for the current deadline (``current_deadline``) to bound
their name lookup and connect, and hand it every socket they open or reuse (``watch_socket``).
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from contextvars import ContextVar
from typing import Any

_current: ContextVar[Deadline | None] = ContextVar("http_deadline", default=None)


class Deadline:
    """Within ``with Deadline(seconds):``, every socket a request opens or reuses is shut down
    when ``seconds`` have passed, wherever the request is (connecting, TLS, headers, body).

    The watchdog is one timer thread, stopped and joined on leaving the block.
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.expired = False
        self._ends = time.monotonic() + seconds
        self._twins: list[socket.socket] = []  # duplicates of the watched sockets' descriptors
        self._lock = threading.Lock()
        self._timer = threading.Timer(max(0.0, seconds), self._expire)
        self._timer.name = "http-deadline"
        self._timer.daemon = True
        self._token: Any = None

    def __enter__(self) -> Deadline:
        self._token = _current.set(self)
        self._timer.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._timer.cancel()
        self._timer.join()
        _current.reset(self._token)
        with self._lock:
            for twin in self._twins:
                twin.close()
            self._twins.clear()

    @property
    def passed(self) -> bool:
        """The deadline has passed (whether or not the watchdog has fired yet)."""
        return self.expired or time.monotonic() >= self._ends

    def remaining(self) -> float:
        return 0.0 if self.expired else max(0.0, self._ends - time.monotonic())

    def watch(self, sock: socket.socket) -> None:
        """Shut ``sock`` down at the deadline. A duplicate descriptor is kept, because TLS
        replaces the socket object the connection started with."""
        try:
            twin = socket.fromfd(sock.fileno(), sock.family, sock.type)
        except OSError:
            return
        with self._lock:
            self._twins.append(twin)
            if self.expired:
                _shut(twin)

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            for twin in self._twins:
                _shut(twin)


def current_deadline() -> Deadline | None:
    """The deadline of the request running in this context, if any."""
    return _current.get()


def watch_socket(sock: socket.socket) -> None:
    """Shut ``sock`` down at the current request's deadline, if there is one."""
    deadline = _current.get()
    if deadline is not None:
        deadline.watch(sock)


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):  # not connected (yet, or any more)
        sock.shutdown(socket.SHUT_RDWR)
