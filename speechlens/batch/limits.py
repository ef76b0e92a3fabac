"""Limits that keep one bad input from hanging or exhausting a run: a time limit per document."""

from __future__ import annotations

import contextlib
import signal
import threading
from typing import Iterator


class TimeLimitExceeded(BaseException):
    """Raised inside ``time_limit`` when its time is up.

    A BaseException, like KeyboardInterrupt, so that the pipeline's ``except Exception`` guards
    (which turn a bug in one document into a failure record) cannot swallow it.
    """


def _raise(signum: int, frame: object) -> None:
    raise TimeLimitExceeded()


@contextlib.contextmanager
def time_limit(seconds: float | None) -> Iterator[bool]:
    """Raise TimeLimitExceeded in the block after ``seconds`` of wall time; yields whether the
    limit is in force (it needs SIGALRM and the main thread: elsewhere, and for a ``seconds`` of
    None or 0, the block runs without one)."""
    usable = (seconds and seconds > 0 and hasattr(signal, "setitimer")
              and threading.current_thread() is threading.main_thread())
    if not usable:
        yield False
        return
    previous = signal.signal(signal.SIGALRM, _raise)
    signal.setitimer(signal.ITIMER_REAL, float(seconds))  # type: ignore[arg-type]
    try:
        yield True
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
