"""Importing with several worker processes (PostgreSQL): records shared out by ODS code.

This process reads the file and sends each record to the worker that owns its
ODS code, so an organisation's publications are processed in file order by one
process. Each worker imports its batches exactly as a single process would (one
transaction per batch); the case-number counter is locked only while a batch
writes, so the workers parse and decide side by side.
"""

from __future__ import annotations

import multiprocessing
import queue
import re
import traceback
import zlib
from collections.abc import Callable, Iterable

from sqlalchemy.orm import Session

from backoffice.notifications import importing

ODS_CODE = re.compile(rb'"ods_code"\s*:\s*"([^"\\]*)"')
QUEUED_BATCHES = 2  # per worker: enough to keep it busy, little memory
WAIT_SECONDS = 1


def owner(raw_body: bytes, workers: int) -> int:
    """The worker for this record: by its ODS code as written (its organisation's key).

    A body without a readable code goes to the first worker; if it still names an
    organisation another worker is processing, the unique indexes keep it right.
    """
    match = ODS_CODE.search(raw_body)
    code = match.group(1).strip().upper() if match else b""
    return zlib.crc32(code) % workers


def _work(session: Session, tasks, results, options: dict) -> None:
    session.get_bind().dispose(close=False)  # the parent's connections stay the parent's
    try:
        while (batch := tasks.get()) is not None:
            results.put(("batch", len(batch), importing.commit_batch(session, batch,
                                                                      **options)))
        results.put(("done", 0, None))
    except BaseException:
        results.put(("error", 0, traceback.format_exc()))
    finally:
        session.close()


class _Workers:
    """The forked workers, their task queues, and the reports they send back."""

    def __init__(self, session: Session, count: int, options: dict):
        context = multiprocessing.get_context("fork")
        self.results = context.Queue()
        self.queues = [context.Queue(QUEUED_BATCHES) for _ in range(count)]
        self.processes = [context.Process(target=_work, args=(session, q, self.results, options),
                                          daemon=True) for q in self.queues]
        self.running = count
        for process in self.processes:
            process.start()

    def send(self, worker: int, batch: list | None, report) -> None:
        while True:
            try:
                self.queues[worker].put(batch, timeout=WAIT_SECONDS)
                return
            except queue.Full:
                self.receive(report, block=False)

    def receive(self, report, *, block: bool) -> None:
        """Take the reports that are ready (or, with ``block``, wait for all to finish)."""
        while self.running:
            try:
                kind, count, value = self.results.get(block=block, timeout=WAIT_SECONDS)
            except queue.Empty:
                self._check_alive()
                if not block:
                    return
                continue
            if kind == "error":
                raise RuntimeError(f"an import worker failed:\n{value}")
            if kind == "done":
                self.running -= 1
            else:
                report(count, value)

    def _check_alive(self) -> None:
        for process in self.processes:
            if process.exitcode not in (None, 0):
                raise RuntimeError(f"an import worker stopped (exit code {process.exitcode})")

    def stop(self) -> None:
        for process in self.processes:
            process.join(timeout=WAIT_SECONDS)
            if process.is_alive():
                process.terminate()


def import_in_workers(session: Session, records: Iterable[tuple[int, bytes]], *, workers: int,
                      batch_size: int, progress: Callable[[int], None],
                      **options) -> importing.ImportSummary:
    """``import_records`` over ``workers`` forked processes; the same summary."""
    session.close()
    summary = importing.ImportSummary()

    def report(count: int, part: importing.ImportSummary) -> None:
        summary.add(part)
        progress(count)

    pool = _Workers(session, workers, options)
    try:
        pending: list[list] = [[] for _ in range(workers)]
        for record in records:
            worker = owner(record[1], workers)
            pending[worker].append(record)
            if len(pending[worker]) >= batch_size:
                pool.send(worker, pending[worker], report)
                pending[worker] = []
        for worker, batch in enumerate(pending):
            if batch:
                pool.send(worker, batch, report)
            pool.send(worker, None, report)
        pool.receive(report, block=True)
    finally:
        pool.stop()
    summary.rejected.sort()
    return summary
