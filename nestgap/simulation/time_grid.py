"""NEST's time representation: integer tics, steps of the resolution, ms as NEST prints them.

NEST 3.10 (nestkernel/nest_time.h): a time in ms becomes tics by rounding
``t * tics_per_ms`` half up; a time in tics becomes steps by rounding *up*;
a delay in ms becomes steps by rounding to nearest. Times that NEST reports
are ``ms_per_tic * (tics_per_step * steps)``, which is not always the same
double as ``steps * resolution``.
"""

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class TimeGrid:
    tics_per_ms: float = 1000.0
    tics_per_step: int = 100

    @property
    def resolution(self) -> float:
        """The step size h in ms, as NEST computes it (tics_per_step * ms_per_tic)."""
        return self.tics_per_step * self.ms_per_tic

    @property
    def ms_per_tic(self) -> float:
        return 1.0 / self.tics_per_ms

    def tics(self, t_ms: float) -> int:
        return math.floor(t_ms * self.tics_per_ms + 0.5)

    def steps(self, t_ms: float) -> int:
        """A time in ms as whole steps (tics rounded half up, then steps rounded up)."""
        return -((-self.tics(t_ms)) // self.tics_per_step)

    def steps_of(self, t_ms) -> np.ndarray:
        """:meth:`steps` of every time in an array of finite times (ms)."""
        tics = np.floor(np.asarray(t_ms, dtype=np.float64) * self.tics_per_ms + 0.5).astype(np.int64)
        return -((-tics) // self.tics_per_step)

    def off_grid(self, t_ms) -> np.ndarray:
        """Mask of the times (finite, ms) that are not multiples of the resolution."""
        tics = np.floor(np.asarray(t_ms, dtype=np.float64) * self.tics_per_ms + 0.5).astype(np.int64)
        return tics % self.tics_per_step != 0

    def delay_steps(self, d_ms):
        """Delays in ms -> steps, rounded to nearest (NEST's delay_ms_to_steps)."""
        steps_per_ms = self.tics_per_ms / self.tics_per_step
        return np.floor(np.asarray(d_ms, dtype=np.float64) * steps_per_ms + 0.5).astype(np.int64)

    def is_on_grid(self, t_ms: float) -> bool:
        return self.tics(t_ms) % self.tics_per_step == 0

    def ms(self, steps):
        """Step counts (stamps) -> ms, computed as NEST does when it reports times."""
        return self.ms_per_tic * (self.tics_per_step * np.asarray(steps, dtype=np.int64)).astype(np.float64)

    @classmethod
    def for_resolution(cls, resolution: float, tics_per_ms: float = 1000.0) -> "TimeGrid":
        return cls(tics_per_ms, math.floor(resolution * tics_per_ms + 0.5))
