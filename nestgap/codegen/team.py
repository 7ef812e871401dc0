"""A thread team inside compiled code: one job on the calling thread and its helpers at once.

Waking a sleeping thread costs ~90 us on a virtual machine (benchmarks/RESULTS.md),
and a simulation with waveform relaxation hands out ~9 jobs (update passes) per ms
of model time. So a helper thread that has done its part of a job does not go
to sleep at once: it spins, inside compiled code and without the GIL, until the
calling thread claims it for the next job or ``SPIN_CYCLES`` pass; only then does
it sleep until woken (:mod:`nestgap.simulation.threads`). The calling thread
claims spinning helpers, does its own part and waits for theirs, all without
the GIL, so no thread of the team ever waits for the GIL while another holds it.

``control`` holds one row of int64 per helper (8 entries: a cache line each):
``STATE`` (``IDLE``: asleep or falling asleep, must be woken; ``SPINNING``;
``CLAIMED``: a new job is posted), ``DONE`` (1 once the helper's part of the job
is done, reset by the caller), ``RESULT`` (what the helper's part returned) and
``PART`` (the share of a job's work the helper starts with: its index + 1; the
caller's is 0).

Generated kernels compile these functions with their own code (their
``update_task_lead`` and ``update_task_follow``); the atomic operations are
:mod:`.atomics`'. Before a job starts, the calling thread shares its items out
(``share_out``): each thread first takes a range of consecutive items of about
equal cost.
"""

import numpy as np

IDLE, SPINNING, CLAIMED = 0, 1, 2
STATE, DONE, RESULT, PART = 0, 1, 2, 3
ROW = 8

#: how long a thread spins before it sleeps (helper) or lets others run (caller), in
#: time-stamp-counter cycles (~1 ms at 2.6 GHz): longer than the Python code between two
#: jobs, even at the end of a slice (devices, spike delivery: ~0.1-0.9 ms for the gallery
#: network), short enough that an idle helper soon leaves its core
SPIN_CYCLES = 2_600_000


def team(load, publish, swap_if, pause, cycles, yield_cpu):
    """``claim``, ``join`` and ``finish`` (below), built on the given atomic operations."""

    def claim(control):
        """Every helper of ``control`` that is spinning is claimed for the posted job;
        False if some was not spinning (asleep: it has to be woken)."""
        every_one = True
        for h in range(control.shape[0]):
            if swap_if(control[h], SPINNING, CLAIMED) != SPINNING:
                every_one = False
        return every_one

    def join(control):
        """Waits until every helper of ``control`` has done its part; the sum of their results."""
        total = 0
        for h in range(control.shape[0]):
            done = control[h, DONE:]
            start = cycles()
            while load(done) == 0:
                if cycles() - start < SPIN_CYCLES:
                    pause()
                else:
                    yield_cpu()
            total += control[h, RESULT]
            publish(done, 0)
        return total

    def finish(row, result):
        """A helper's part of a job is done with ``result``; then it spins. True if it was claimed
        for the next job, False if SPIN_CYCLES passed first (its state is then IDLE)."""
        row[RESULT] = result
        publish(row, SPINNING)  # before DONE: the caller may claim it again as soon as it sees DONE
        publish(row[DONE:], 1)
        start = cycles()
        while cycles() - start < SPIN_CYCLES:
            if load(row) == CLAIMED:
                return True
            pause()
        return swap_if(row, SPINNING, IDLE) != SPINNING

    return claim, join, finish


def share_out(order, bounds, counters, cost):
    """The shares of a job's items before the team starts (update_task's neurons): share p is
    ``order[bounds[p]:bounds[p + 1]]``, a range of consecutive items whose costs (``cost``: the
    attempts each took last, plus one) add up to about a p-th of the total, dearest first; it is
    taken from with the counter ``counters[8 * p]`` (a cache line each), set to 0. Consecutive
    items: their rows (a neuron's buffers are rows of arrays, often less than a cache line long)
    stay on one core, and a share's range moves little from job to job."""
    n = order.shape[0]
    shares = bounds.shape[0] - 1
    total = 0
    for i in range(n):
        total += cost[i] + 1
    key = np.empty(n, np.int64)
    bounds[:] = 0
    before = 0
    for i in range(n):
        share = min(before * shares // total, shares - 1)
        before += cost[i] + 1
        key[i] = (share << 40) - cost[i]
        bounds[share + 1] += 1
    order[:] = np.argsort(key, kind="mergesort")
    for p in range(1, bounds.shape[0]):
        bounds[p] += bounds[p - 1]
    counters[:] = 0
