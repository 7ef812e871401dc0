"""NEST 3.10's random streams: one generator (:class:`Stream`) and NEST's RandomManager
(:class:`RandomStreams`) for one process (docs/nest_randomness.md §1, §5).

NEST keeps, for every seed, engine type and number of virtual processes (VPs),

- one **rank-synced** stream, seeded {rng_seed, 0xc229212d}: Parameter.GetValue(),
  fixed_outdegree, fixed_total_number's split of the connections over the VPs;
- one **vp-synced** stream per VP, all seeded {rng_seed, 0x37722d5e} (identical as long
  as every VP draws alike): symmetric_pairwise_bernoulli;
- one **vp-specific** stream per VP, seeded {rng_seed, 0xb84c9bae, vp}: node parameters,
  most connection rules, synapse parameters, poisson_generator.

Setting rng_seed, rng_type or the number of VPs creates all of them afresh. NEST's wheel
runs one process, so thread = VP; nestgap emulates each VP's stream on its own, in any order.
"""

import numbers

import numpy as np

from nestgap.exceptions import BadProperty, KernelException, cast_error

from .compiled import functions
from .seeding import ENGINES, initial_state

#: nest.rng_types, in NEST's order (sorted names)
RNG_TYPES = tuple(sorted(ENGINES))
DEFAULT_RNG_TYPE = "mt19937_64"
DEFAULT_RNG_SEED = 143202461
RANK_SYNCED_SEEDER = 0xC229212D
THREAD_SYNCED_SEEDER = 0x37722D5E
THREAD_SPECIFIC_SEEDER = 0xB84C9BAE
#: drand() values check_rng_synchrony takes from the rank-synced and from every vp-synced stream
SYNCHRONY_ROUNDS = 5


def new_cache():
    """The state of one distribution object with a cached polar value: ``[available, value]``."""
    return np.zeros(2)


class Stream:
    """One of NEST's generators: engine ``rng_type`` seeded with ``words``, drawn in place.

    ``state`` (uint64 words, layout in nestgap.rng.kernels) is what the bulk kernels of
    :mod:`nestgap.rng.compiled` take; the methods are the same draws for a few values.
    """

    def __init__(self, rng_type, words):
        self.rng_type = rng_type
        self.words = tuple(int(w) for w in words)
        self.state = initial_state(rng_type, self.words)

    def __repr__(self):
        return f"Stream({self.rng_type!r}, {self.words})"

    def copy(self):
        """An independent stream in the same position."""
        twin = Stream.__new__(Stream)
        twin.rng_type, twin.words, twin.state = self.rng_type, self.words, self.state.copy()
        return twin

    def raw(self, n):
        """The next ``n`` engine outputs (uint64)."""
        out = np.zeros(int(n), np.uint64)
        functions().raw_fill(self.state, out)
        return out

    def drand(self, n=None):
        """NEST's drand(): one value in [0, 1), or ``n`` of them (float64 array)."""
        out = np.zeros(1 if n is None else int(n))
        functions().canonical_fill(self.state, out)
        return float(out[0]) if n is None else out

    def ulrand(self, limit, n=None):
        """NEST's ulrand(limit): uniform on {0, ..., limit - 1}, one or ``n`` (int64 array)."""
        out = np.zeros(1 if n is None else int(n), np.int64)
        functions().ulrand_fill(self.state, np.uint64(limit), out)
        return int(out[0]) if n is None else out

    def normal(self, cache, mean, std, n):
        """``n`` values of a normal distribution whose cached value is ``cache`` (new_cache())."""
        out = np.zeros(int(n))
        functions().normal_fill(self.state, cache, float(mean), float(std), out)
        return out

    def poisson(self, cache, mean, shape):
        """poisson(mean) counts of one distribution object (``cache``), filled in C order."""
        out = np.zeros(shape, np.int64)
        f = functions()
        f.poisson_fill(self.state, cache, f.poisson_param(float(mean)), out.reshape(1, -1))
        return out

    def binomial(self, cache, t, p, n):
        """``n`` values of binomial(t, p) of one distribution object (``cache``)."""
        out = np.zeros(int(n), np.int64)
        f = functions()
        f.binomial_fill(self.state, cache, int(t), f.binomial_param(int(t), float(p)), out)
        return out


def check_rng_seed(value):
    """NEST's check of a new rng_seed (an int in (0, 2^32))."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise cast_error("rng_seed", value, "long")
    if not 0 < value < 2**32:
        raise BadProperty("RNG seed must be in (0, 2^32-1).")
    return int(value)


def check_rng_type(value):
    """NEST's check of a new rng_type (one of RNG_TYPES)."""
    if not isinstance(value, str):
        raise cast_error("rng_type", value, "std::string")
    if value not in ENGINES:
        raise BadProperty(f"'{value}' is not a known RNG type. See /rng_types for available types")
    return value


class RandomStreams:
    """NEST's RandomManager on one process: all streams of (rng_type, rng_seed, n_vp).

    ``rank_synced`` (a Stream), ``vp_synced[vp]`` and ``vp_specific[vp]`` (lists, one per VP).
    A new object is NEST's re-initialisation after any change of the three settings.
    """

    def __init__(self, rng_type=DEFAULT_RNG_TYPE, rng_seed=DEFAULT_RNG_SEED, n_vp=1):
        self.rng_type = check_rng_type(rng_type)
        self.rng_seed = check_rng_seed(rng_seed)
        self.n_vp = int(n_vp)
        self.rank_synced = Stream(rng_type, (rng_seed, RANK_SYNCED_SEEDER))
        self.vp_synced = [Stream(rng_type, (rng_seed, THREAD_SYNCED_SEEDER)) for _ in range(self.n_vp)]
        self.vp_specific = [Stream(rng_type, (rng_seed, THREAD_SPECIFIC_SEEDER, vp)) for vp in range(self.n_vp)]

    def __repr__(self):
        return f"RandomStreams({self.rng_type!r}, {self.rng_seed}, n_vp={self.n_vp})"

    def check_rng_synchrony(self):
        """What NEST's check_rng_synchrony draws (at the start and at the end of every Run, the
        end only if the Run has steps): SYNCHRONY_ROUNDS drand() of the rank-synced stream, then
        SYNCHRONY_ROUNDS rounds of one drand() from each vp-synced stream in VP order. Raises
        NEST's KernelException if the vp-synced streams disagree (a VP drew more than another)."""
        self.rank_synced.drand(SYNCHRONY_ROUNDS)
        for _ in range(SYNCHRONY_ROUNDS):
            values = {stream.drand() for stream in self.vp_synced}
            if len(values) > 1:
                raise KernelException("Thread-synchronized random number generators are out of sync.")
