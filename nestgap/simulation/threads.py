"""Threads that run compiled kernel functions in parallel.

Compiled kernel functions release the GIL, so plain Python threads run them on
all cores. :meth:`TaskThreads.together` runs a compiled job of a generated
kernel on several threads at once as a thread team (:mod:`nestgap.codegen.team`):
helpers that finished a job spin for a while in compiled code, so the next job
starts on them without waking a sleeping thread. The kernel functions share
their work out themselves, from counters the threads share (update_task: the
lanes of each thread take the neurons one by one from its share, then from the
others' shares, so no thread waits while another has neurons left). Kernels give the same numbers however the work is
shared out, so results do not depend on the thread count. A forked child starts
its own threads when it first needs them.
"""

import os
import queue
import threading

import numpy as np

from ..codegen.team import DONE, IDLE, PART, RESULT, ROW, STATE


class TaskThreads:
    """A pool of helper threads; the calling thread works too."""

    def __init__(self):
        self._pid = None
        self._inboxes = []
        self._control = np.zeros((0, ROW), np.int64)  # the team's rows, one per helper
        self._job = None                               # the team's job: (follow, arguments)
        self._error = None                             # what a helper's part of the team's job raised

    def _helpers(self, n):
        if self._pid != os.getpid():  # new process (fork): the parent's threads are not here
            self._pid, self._inboxes = os.getpid(), []
            self._control = np.zeros((0, ROW), np.int64)
        while len(self._inboxes) < n:
            inbox = queue.SimpleQueue()
            threading.Thread(target=_serve, args=(inbox,), daemon=True,
                             name=f"nestgap-{len(self._inboxes) + 1}").start()
            self._inboxes.append(inbox)
        if len(self._control) < n:
            self._control = np.zeros((n, ROW), np.int64)  # all IDLE: no helper is spinning yet
            self._control[:, PART] = np.arange(1, n + 1)
        return self._inboxes[:n]

    def together(self, threads, lead, follow, arguments) -> int:
        """``lead(control, claim, *arguments)`` on this thread with ``follow(row, *arguments)`` on
        ``threads - 1`` helpers (a team job of a generated kernel); the sum of their results."""
        if threads <= 1:
            return lead(self._control[:0], False, *arguments)
        helpers = self._helpers(threads - 1)
        control = self._control[:threads - 1]
        self._job = (follow, arguments)
        total = lead(control, True, *arguments)
        if total == -1:  # some helpers were asleep (or never started): wake them with the job
            for h in np.flatnonzero(control[:, STATE] == IDLE):
                helpers[h].put(lambda h=h: self._follow(h))
            total = lead(control, False, *arguments)
        if self._error is not None:
            error, self._error = self._error, None
            raise error
        return total

    def _follow(self, h):
        """Helper h does its part of the team's jobs until it falls asleep."""
        row = self._control[h]
        try:
            claimed = True
            while claimed:
                follow, arguments = self._job
                claimed = follow(row, *arguments)
        except BaseException as exception:  # the caller raises it once every helper is done
            self._error = exception
            row[STATE] = IDLE
            row[RESULT] = 0
            row[DONE] = 1


def _serve(inbox):
    while True:
        inbox.get()()
