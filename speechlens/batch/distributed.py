"""Running a batch on a Dask cluster (optional extra ``speechlens[dask]``).

The Analyzer (segmenter configuration with its dictionary entries, model path or model) is
loaded here, then scattered to every worker once; each worker loads the dictionary and model on
first use and keeps them. Partitions of documents are submitted in a bounded window and their
records are yielded in input order, so the output is the same as a local run's.
"""

from __future__ import annotations

from collections import deque
from typing import Any, Iterable, Iterator

from speechlens.pipeline.analysis import Analyzer
from speechlens.errors import MissingDependencyError, SpeechlensError
from speechlens.batch.work import ItemAnalyzer


def _client(scheduler: str | None, jobs: int) -> Any:
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        raise MissingDependencyError("dask[distributed]", "dask", "--engine dask") from None
    if scheduler:
        from distributed.comm.addressing import get_address_host_port

        try:  # checked before a Client exists: a failed Client leaves a traceback at exit
            get_address_host_port(scheduler)
        except (ValueError, TypeError) as exc:
            raise SpeechlensError(f"--scheduler {scheduler!r} is not a scheduler address ({exc}); "
                                  "expected one such as tcp://host:8786") from None
        try:
            return Client(scheduler, timeout="20s"), None
        except (OSError, ValueError, TypeError) as exc:  # unreachable, or an address that is no address
            raise SpeechlensError(f"cannot reach the Dask scheduler at {scheduler!r}: {exc} "
                                  "(expected an address such as tcp://host:8786)") from None
    cluster = LocalCluster(n_workers=max(1, jobs), threads_per_worker=1, processes=True,
                           dashboard_address=None)
    return Client(cluster), cluster


def analyze_partition(analyzer: Analyzer, items: list[Any]) -> list[dict[str, Any]]:
    """Records of one partition of Items (runs on a worker)."""
    return ItemAnalyzer(analyzer).many(items)


def dask_records(items: Iterable[Any], analyzer: Analyzer, *, scheduler: str | None = None,
                 jobs: int = 2, partition: int = 32, window: int = 16) -> Iterator[dict[str, Any]]:
    """Records of ``items`` computed on a Dask cluster, in input order."""
    # Loaded here first: a bad model or dictionary fails before the cluster is asked for anything,
    # and a loaded segmenter pickles with its dictionary entries, so workers on other machines
    # need no copy of the user's dictionary files.
    analyzer.load()
    client, cluster = _client(scheduler, jobs)
    try:
        az = client.scatter(analyzer, broadcast=True)
        pending: deque[Any] = deque()
        batch: list[Any] = []
        for item in items:
            batch.append(item)
            if len(batch) >= partition:
                pending.append(client.submit(analyze_partition, az, batch, pure=False))
                batch = []
                while len(pending) >= window:
                    yield from pending.popleft().result()
        if batch:
            pending.append(client.submit(analyze_partition, az, batch, pure=False))
        while pending:
            yield from pending.popleft().result()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
