"""How NEST 3.10 seeds an engine from a few 32-bit words (docs/nest_randomness.md §1).

NEST hands each engine's ``seed(sseq)`` a ``randutils::seed_seq_fe128`` (Melissa
O'Neill's fixed-entropy seed sequence, randutils.hpp, MIT licence) built from a
short list of words: {rng_seed, constant} or {rng_seed, constant, vp}. The
sequence hashes its inputs into four 32-bit words of entropy, stirs every word
into every other, and produces any number of output words by hashing the four
in turn with a second multiplicative constant. The engines then take as many
words as they need (C++ [rand.eng.mers] for the Mersenne Twisters, Random123's
key construction for Philox and Threefry).

Everything is done once per stream in plain Python integers.
"""

import numpy as np

from . import kernels as k

_M32 = 0xFFFFFFFF

# seed_seq_fe's hash and mixing constants (randutils.hpp)
_INIT_A, _MULT_A = 0x43B0D7E5, 0x931E8875
_INIT_B, _MULT_B = 0x8B51F9DD, 0x58F38DED
_MIX_L, _MIX_R = 0xCA01F9DD, 0x4973F715

#: NEST's names of the engines (nest.rng_types) and their kinds in nestgap.rng.kernels
ENGINES = {"mt19937_64": k.MT19937_64, "mt19937": k.MT19937, "Philox_32": k.PHILOX_32,
           "Philox_64": k.PHILOX_64, "Threefry_32": k.THREEFRY_32, "Threefry_64": k.THREEFRY_64}


def seed_seq_fe128(words, n):
    """The first ``n`` output words of seed_seq_fe<4, uint32_t> seeded with ``words``."""
    hash_constant = _INIT_A

    def hashed(value):
        nonlocal hash_constant
        value = (value ^ hash_constant) & _M32
        hash_constant = (hash_constant * _MULT_A) & _M32
        value = (value * hash_constant) & _M32
        return value ^ (value >> 16)

    def mixed(x, y):
        value = (_MIX_L * x - _MIX_R * y) & _M32
        return value ^ (value >> 16)

    words = [int(w) & _M32 for w in words]
    entropy = [hashed(words[i] if i < len(words) else 0) for i in range(4)]
    for source in range(4):
        for target in range(4):
            if source != target:
                entropy[target] = mixed(entropy[target], hashed(entropy[source]))
    for word in words[4:]:
        for target in range(4):
            entropy[target] = mixed(entropy[target], hashed(word))
    out = []
    hash_constant = _INIT_B
    for i in range(n):
        value = entropy[i % 4] ^ hash_constant
        hash_constant = (hash_constant * _MULT_B) & _M32
        value = (value * hash_constant) & _M32
        out.append(value ^ (value >> 16))
    return out


def initial_state(rng_type, words):
    """A fresh engine state (``uint64[STATE_SIZE]``, layout in nestgap.rng.kernels) of NEST's
    engine ``rng_type`` seeded with ``words`` through seed_seq_fe128."""
    kind = ENGINES[rng_type]
    state = np.zeros(k.STATE_SIZE, np.uint64)
    state[0] = kind
    if kind == k.MT19937_64:
        # [rand.eng.mers]: 2 words per 64-bit state word, low word first; all-zero guard
        a = seed_seq_fe128(words, 2 * 312)
        x = [a[2 * i] | (a[2 * i + 1] << 32) for i in range(312)]
        if x[0] >> 31 == 0 and not any(x[1:]):
            x[0] = 1 << 63
        state[2:2 + 312] = x
        state[1] = 312  # the first output regenerates the state
    elif kind == k.MT19937:
        x = seed_seq_fe128(words, 624)
        if x[0] >> 31 == 0 and not any(x[1:]):
            x[0] = 1 << 31
        state[2:2 + 624] = x
        state[1] = 624
    else:
        # Random123 Engine(seed_seq): key words from the sequence (64-bit words low half
        # first), counter zero, no buffered output
        wide = kind in (k.PHILOX_64, k.THREEFRY_64)
        n_key = 2 if kind in (k.PHILOX_32, k.PHILOX_64) else 4
        a = seed_seq_fe128(words, n_key * (2 if wide else 1))
        key = [a[2 * i] | (a[2 * i + 1] << 32) for i in range(n_key)] if wide else a
        state[6:6 + n_key] = key
    return state
