"""Threads that run compiled kernel functions in parallel.

Compiled kernel functions release the GIL, so plain Python threads run them on
all cores. :meth:`TaskThreads.every` runs one function on several threads at
once; the kernel functions share their work out themselves, from a counter the
threads share (update_task: the lanes of all threads take the neurons one by
one, so no thread waits while another has neurons left; gap-junction delivery:
targets in chunks). Kernels give the same numbers however the work is shared
out, so results do not depend on the thread count. A forked child starts its
own threads when it first needs them.
"""

import os
import queue
import threading


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

    def every(self, threads, work) -> int:
        """Sum of ``work()`` (None counts 0) run once on each of ``threads`` threads at once."""
        if threads <= 1:
            return work() or 0
        helpers = self._helpers(threads - 1)
        for inbox in helpers:
            inbox.put(work)
        total, error = 0, None
        try:
            total = work() or 0
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
