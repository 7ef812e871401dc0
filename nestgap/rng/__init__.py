"""NEST 3.10's random numbers, bit for bit (docs/nest_randomness.md).

- :mod:`.seeding`: randutils' seed_seq_fe128 and each engine's seeding;
- :mod:`.kernels`: the engines (mt19937_64, mt19937, Philox_32/64, Threefry_32/64) and
  libstdc++'s distributions as compiled code, with bulk functions;
- :mod:`.compiled`: those kernels compiled as ``NESTGAP_JIT`` asks;
- :mod:`.streams`: :class:`Stream` (one generator) and :class:`RandomStreams` (NEST's
  RandomManager: rank-synced, vp-synced and vp-specific streams);
- :mod:`.programs`: NEST Parameter trees as tables for the kernels;
- :mod:`.draws`: who draws what, in which order, per virtual process.
"""

from .streams import (DEFAULT_RNG_SEED, DEFAULT_RNG_TYPE, RNG_TYPES, RandomStreams, Stream, check_rng_seed,
                      check_rng_type, new_cache)

__all__ = ["DEFAULT_RNG_SEED", "DEFAULT_RNG_TYPE", "RNG_TYPES", "RandomStreams", "Stream", "check_rng_seed",
           "check_rng_type", "new_cache"]
