"""Threads that run compiled kernel functions on ranges of rows in parallel.

Compiled kernel functions release the GIL, so plain Python threads run them on
all cores. Work over ``n`` rows is cut into tasks of consecutive rows, at most
four per thread and at most ceil(n / min_rows) (so no task has fewer than
min_rows / 2 rows); each thread takes the next task when it finishes one. Kernels give the same numbers however the rows are
grouped, so results do not depend on the thread count. A forked child starts
its own threads when it first needs them.
"""

import itertools
import os
import queue
import threading

import numpy as np


class TaskThreads:
    """A pool of helper threads; the calling thread works too."""

    def __init__(self):
        self._pid = None
        self._inboxes = []
        self._done = queue.SimpleQueue()

    def _helpers(self, n):
        if self._pid != os.getpid():  # new process (fork): the parent's threads are not here
            self._pid, self._inboxes, self._done = os.getpid(), [], queue.SimpleQueue()
        while len(self._inboxes) < n:
            inbox = queue.SimpleQueue()
            threading.Thread(target=_serve, args=(inbox, self._done), daemon=True,
                             name=f"nestgap-{len(self._inboxes) + 1}").start()
            self._inboxes.append(inbox)
        return self._inboxes[:n]

    @staticmethod
    def bounds(threads, n, min_rows) -> np.ndarray:
        """Where the tasks over rows [0, n) begin and end: task k is rows bounds[k]..bounds[k+1]-1."""
        n_tasks = max(1, min(-(-n // min_rows), 4 * threads))
        return n * np.arange(n_tasks + 1) // n_tasks

    def run(self, threads, n, min_rows, task) -> int:
        """Sum of ``task(first, last)`` (None counts 0) over the tasks of :meth:`bounds`, on ``threads`` threads."""
        bounds = self.bounds(threads, n, min_rows)
        n_tasks = len(bounds) - 1
        if n_tasks <= 1 or threads <= 1:
            return sum(task(bounds[k], bounds[k + 1]) or 0 for k in range(n_tasks))
        following = itertools.count()  # next() is atomic under the GIL

        def work():
            total = 0
            for k in following:
                if k >= n_tasks:
                    return total
                total += task(bounds[k], bounds[k + 1]) or 0

        helpers = self._helpers(min(threads, n_tasks) - 1)
        for inbox in helpers:
            inbox.put(work)
        total, error = 0, None
        try:
            total = work()
        except BaseException as exception:  # let the helpers finish first: they share the arrays
            error = exception
        for _ in helpers:
            result, exception = self._done.get()
            total += result or 0
            error = error or exception
        if error is not None:
            raise error
        return total


def _serve(inbox, done):
    while True:
        job = inbox.get()
        try:
            done.put((job(), None))
        except BaseException as exception:
            done.put((None, exception))


def dealt(cost, bounds) -> np.ndarray:
    """Rows in the order tasks take them: the rows by decreasing ``cost``, dealt round by round
    to the tasks of ``bounds`` (task k gets positions bounds[k]..bounds[k+1]-1), so that the tasks
    cost about the same and each takes its dearest rows first and ends with its cheapest."""
    by_cost = np.argsort(-np.asarray(cost), kind="stable")
    sizes = np.diff(bounds)
    rounds = np.arange(sizes.max(initial=0))
    task, rank = np.nonzero(rounds[None, :] < sizes[:, None])    # every (task, round) with a row
    dealing = np.lexsort((task, rank))                            # round by round, task by task
    order = np.empty(len(by_cost), np.int64)
    order[bounds[task[dealing]] + rank[dealing]] = by_cost
    return order
