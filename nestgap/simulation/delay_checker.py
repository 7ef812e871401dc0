"""NEST's delay checker: the extrema of all delays registered so far, in steps.

Every connection registers its delay (docs/time_and_events.md): the extrema
are kept incrementally, never recomputed over the connection table. A synapse
model without delay (gap_junction) registers the kernel's wfr_comm_interval
(the resolution without waveform relaxation) once, at its first use. The first
Simulate freezes the extrema; later delays outside them are refused, as are
delays outside extrema the user set with SetKernelStatus.
"""

import numpy as np

from ..exceptions import BadDelay, bad_delay


class DelayChecker:
    def __init__(self, settings):
        self.settings = settings   # holds the registered extrema (ms) and whether the user set them
        self.frozen = None         # (min_delay, max_delay) in steps once simulated
        self._known = (None, None, None)  # (settings.delay_extrema, grid, extrema in steps), cached

    def extrema(self):
        """(min_delay, max_delay) in steps: frozen, registered, or (1, 1) without any delay."""
        if self.frozen is not None:
            return self.frozen
        return self.settings.delay_extrema_steps() or (1, 1)

    def accepts(self, steps: int) -> bool:
        """Is a delay of ``steps`` inside the extrema registered so far (so that registering it is
        allowed and changes nothing)? Cheap: for connections made one by one."""
        s = self.settings
        if self._known[0] is not s.delay_extrema or self._known[1] is not s.grid:
            self._known = (s.delay_extrema, s.grid, s.delay_extrema_steps())
        known = self._known[2]
        return known is not None and known[0] <= steps <= known[1]

    def freeze(self):
        self.frozen = self.extrema()

    def with_delays(self, steps):
        """The extrema after registering ``steps`` (an int, or an int64 array of delays in steps),
        or None if they do not change; BadDelay as NEST raises it for the first refused delay in
        the order given. Nothing is changed."""
        if isinstance(steps, (int, np.integer)):
            low = high = int(steps)
        elif len(steps):
            low, high = int(steps.min()), int(steps.max())
        else:
            return None
        # every rule allows an interval of delays: all are allowed if the extreme ones are
        if self._refusal(low) or self._refusal(high):
            bad = next(int(d) for d in np.atleast_1d(steps) if self._refusal(int(d)))
            raise bad_delay(bad * self.settings.resolution, self._refusal(bad))
        known = self.settings.delay_extrema_steps()
        if known is None:
            return low, high
        if known[0] <= low and high <= known[1]:
            return None
        return min(low, known[0]), max(high, known[1])

    def _refusal(self, d: int):
        """NEST's reason to refuse a delay of ``d`` steps, or None."""
        if d < 1:
            return "Delay must be greater than or equal to resolution"
        if self.frozen is not None and not self.frozen[0] <= d <= self.frozen[1]:
            return "Minimum and maximum delay cannot be changed after Simulate has been called."
        if self.settings.user_delay_extrema:
            low, high = self.settings.delay_extrema_steps()
            if d < low:
                return "Delay must be greater than or equal to min_delay. You may set min_delay before creating connections."
            if d > high:
                return "Delay must be smaller than or equal to max_delay. You may set min_delay before creating connections."
        return None

    def with_default_delay(self, synapse):
        """For a ``synapse`` model without delay: the extrema after its first use registers
        wfr_comm_interval (None afterwards, or if they do not change)."""
        if synapse.default_delay_checked:
            return None
        s = self.settings
        steps = int(s.grid.delay_steps(s.wfr_comm_interval))
        try:
            return self.with_delays(steps)
        except BadDelay:
            low, high = self.extrema()
            raise bad_delay(1.0, f"Default delay of '{synapse.name}' must be between min_delay "
                                 f"{low * s.resolution:g} and max_delay {high * s.resolution:g}.") from None

    def commit(self, extrema, synapse=None):
        """Register what :meth:`with_delays` / :meth:`with_default_delay` returned."""
        if extrema is not None:
            self.settings.set_delay_extrema_steps(*extrema)
        if synapse is not None and not synapse.has_delay:
            synapse.default_delay_checked = True
