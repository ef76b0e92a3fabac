"""A general process-pool engine: batches of work in worker processes, in input order, that
survives a worker killed mid-batch; and size-bounded batching."""

from __future__ import annotations

import os
from typing import Any, Callable, Iterable, Iterator, Mapping, TypeVar

from speechlens.pipeline.results import Failure
from speechlens.reading.inputs import InputItem, item_id, item_meta, item_path

T = TypeVar("T")
R = TypeVar("R")


WORKER_DIED = ("the worker process analysing this document died (killed by the system, perhaps "
               "for want of memory); the document was skipped")


def worker_died(item: InputItem, *, source: str | None = None,
                metadata: Mapping[str, Any] | None = None) -> Failure:
    """The Failure of an input whose worker process died; ``source`` names it in the message
    (default: its path or id), ``metadata`` replaces what the input itself carries."""
    return Failure(id=item_id(item), path=item_path(item),
                   metadata=dict(metadata) if metadata is not None else item_meta(item),
                   error=f"{source or item_path(item) or item_id(item)}: {WORKER_DIED}")


def run_in_workers(analyzer: Any, jobs: int, initializer: Callable[[Any], None],
                   work: Callable[[list[T]], list[R]], batches: Iterable[list[T]],
                   lost: Callable[[T], R]) -> Iterator[list[R]]:
    """``work(batch)`` for each batch in ``jobs`` worker processes (each started with
    ``initializer(analyzer)``), results in input order, at most two batches per worker at a time.

    The model and dictionary are loaded here first: a bad one fails here with its message, and
    forked workers inherit what is loaded instead of each loading a copy (50-65 MB less in all
    with two workers). If a worker process dies (the system kills it for memory, say), the batches
    in flight are done again one item at a time in a single worker, and an item whose worker dies
    again becomes ``lost(item)``: the run goes on instead of waiting forever.
    """
    from collections import deque
    from concurrent.futures.process import BrokenProcessPool

    analyzer.load()
    pool = _executor(analyzer, jobs, initializer)
    pending: deque[tuple[list[T], Any]] = deque()
    todo = iter(batches)
    try:
        while True:
            for batch in todo:
                pending.append((batch, pool.submit(work, batch)))
                if len(pending) >= 2 * jobs:
                    break
            if not pending:
                return
            batch, future = pending.popleft()
            try:
                result = future.result()
            except BrokenProcessPool:
                pool.shutdown(wait=True)
                redo = [batch] + [b for b, _ in pending]
                pending.clear()
                yield from _one_at_a_time(analyzer, initializer, work, redo, lost)
                pool = _executor(analyzer, jobs, initializer)
                continue
            yield result
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _one_at_a_time(analyzer: Any, initializer: Callable[[Any], None],
                   work: Callable[[list[T]], list[R]], batches: list[list[T]],
                   lost: Callable[[T], R]) -> Iterator[list[R]]:
    """Each batch's results, its items done one by one in a single worker: an item whose worker
    dies is the one at fault and becomes ``lost(item)``; a new worker takes the next item."""
    from concurrent.futures.process import BrokenProcessPool

    pool = None
    try:
        for batch in batches:
            out = []
            for item in batch:
                pool = pool or _executor(analyzer, 1, initializer)
                try:
                    out.append(pool.submit(work, [item]).result()[0])
                except BrokenProcessPool:
                    out.append(lost(item))
                    pool.shutdown(wait=True)
                    pool = None
            yield out
    finally:
        if pool is not None:
            pool.shutdown(wait=True)


def _executor(analyzer: Any, jobs: int, initializer: Callable[[Any], None]) -> Any:
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    ctx = mp.get_context("spawn" if os.name == "nt" else "fork")
    return ProcessPoolExecutor(jobs, mp_context=ctx, initializer=_start_worker,
                               initargs=(initializer, analyzer, os.getpid()))


def _start_worker(initializer: Callable[[Any], None], analyzer: Any, parent: int) -> None:
    """A worker's start: leave when the parent process is gone, then ``initializer(analyzer)``.

    A parent killed outright (kill -9, the system out of memory) cannot stop its workers, which
    would otherwise wait for work forever, each holding a model and a dictionary.
    """
    import threading

    threading.Thread(target=_exit_when_orphaned, args=(parent,), daemon=True).start()
    initializer(analyzer)


def _exit_when_orphaned(parent: int) -> None:
    import time

    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(1)


def batched(items: Iterable[Any], size_of: Any, batch_chars: int, *, max_items: int = 1000,
            ramp: int = 1) -> Iterator[list[Any]]:
    """Consecutive items grouped until their estimated size (``size_of(item)``, in characters)
    reaches ``batch_chars``. The first ``ramp`` batches are ``ramp`` times smaller, so that as
    many workers get to work at once."""
    batch: list[Any] = []
    size = 0
    made = 0
    limit = max(1, batch_chars // max(1, ramp))
    for item in items:
        batch.append(item)
        size += size_of(item)
        if size >= limit or len(batch) >= max_items:
            yield batch
            batch, size = [], 0
            made += 1
            if made >= ramp:
                limit = batch_chars
    if batch:
        yield batch
