"""NEST 3.10's random engines and distributions as compiled code (docs/nest_randomness.md).

Everything here is plain numeric code on numpy arrays, written once for three
ways of running it (:mod:`nestgap.codegen.jit`): compiled ahead of time (the
functions in ``EXPORTS``), compiled by numba at run time, or plain Python with
numpy scalars (identical results, slowly). :mod:`nestgap.rng.compiled` loads it.

**Engine state** (one stream): a ``uint64`` array of ``STATE_SIZE`` words,

    [0] engine kind (``MT19937_64`` ... ``THREEFRY_64``)
    [1] position: next output index (Mersenne Twisters), remaining buffered outputs (Random123)
    [2:] the engine's words: 312 (mt19937_64) or 624 (mt19937, 32-bit values) state words;
         for Random123 counter [2:6], key [6:10], output block [10:14], Threefry's key
         schedule [14:19] (scratch)

**Distribution caches**: libstdc++'s normal distribution keeps the second value
of each polar pair; every distribution object that owns one (a normal or
lognormal Parameter per thread, a poisson_generator replica, a binomial or
poisson distribution of a connection rule) is a ``float64[2]`` row
``[available, value]``. Parameter programs take a ``(thread, slot, 2)`` array.

**Parameter programs** (:mod:`nestgap.rng.programs`): ``code`` is a
``float64[n, 4]`` table of postfix instructions ``(opcode, a, b, c)``; program
``k`` of a set is rows ``starts[k]:starts[k + 1]``.

**Connection rows** returned by the rule kernels: ``float64[n, 2 + m]``,
``(source id, target id, value of synapse program 0 ... m - 1)`` in NEST's
creation order on the thread (node ids are exact in float64 up to 2^53).
"""

import math

import numpy as np

from nestgap.codegen.jit import jit, numba_active

# --------------------------------------------------------------------------- constants

MT19937_64, MT19937, PHILOX_32, PHILOX_64, THREEFRY_32, THREEFRY_64 = 0, 1, 2, 3, 4, 5
STATE_SIZE = 2 + 624
_POS = 1
_CTR, _KEY, _BLOCK, _SCHEDULE = 2, 6, 10, 14

_U = np.uint64
_0, _1 = _U(0), _U(1)
_M32 = _U(0xFFFFFFFF)
_M64 = _U(0xFFFFFFFFFFFFFFFF)
_S = {k: _U(k) for k in range(64)}  # shift counts as uint64 (numba: no int64/uint64 mixing)
_S1, _S7, _S11, _S15, _S18 = _S[1], _S[7], _S[11], _S[15], _S[18]
_S17, _S29, _S32, _S37, _S43, _S64 = _S[17], _S[29], _S[32], _S[37], _S[43], _U(64)

# MT19937-64 (C++ [rand.predef] mt19937_64)
_MT64_N, _MT64_M = 312, 156
_MT64_A = _U(0xB5026F5AA96619E9)
_MT64_UPPER, _MT64_LOWER = _U(0xFFFFFFFF80000000), _U(0x7FFFFFFF)
_MT64_D, _MT64_B, _MT64_C = _U(0x5555555555555555), _U(0x71D67FFFEDA60000), _U(0xFFF7EEE000000000)
# MT19937 (C++ [rand.predef] mt19937)
_MT32_N, _MT32_M = 624, 397
_MT32_A = _U(0x9908B0DF)
_MT32_UPPER, _MT32_LOWER = _U(0x80000000), _U(0x7FFFFFFF)
_MT32_B, _MT32_C = _U(0x9D2C5680), _U(0xEFC60000)
# Philox4x32-10 and Philox4x64-10 (Salmon et al. 2011): multipliers and Weyl key increments
_PH32_M0, _PH32_M1 = _U(0xD2511F53), _U(0xCD9E8D57)
_PH32_W0, _PH32_W1 = _U(0x9E3779B9), _U(0xBB67AE85)
_PH64_M0, _PH64_M1 = _U(0xD2E7470EE14C6C93), _U(0xCA5A826395121157)
_PH64_W0, _PH64_W1 = _U(0x9E3779B97F4A7C15), _U(0xBB67AE8584CAA73B)
# Threefry4x32-20 and Threefry4x64-20: rotation constants per round (mod 8) and key-schedule parity
_TF32_R = np.array([[10, 26], [11, 21], [13, 27], [23, 5], [6, 20], [17, 11], [25, 10], [18, 20]], np.uint64)
_TF64_R = np.array([[14, 16], [52, 57], [23, 40], [5, 37], [25, 33], [46, 12], [58, 22], [32, 32]], np.uint64)
_TF32_PARITY, _TF64_PARITY = _U(0x1BD11BDA), _U(0x1BD11BDAA9FC1A22)

_TWO_M64 = 2.0 ** -64
_TWO_32 = 2.0 ** 32
_BELOW_ONE = float.fromhex("0x1.fffffffffffffp-1")  # libstdc++ clamps generate_canonical below 1 (LWG 2524)

# libstdc++'s poisson and binomial constants (as doubles)
_PI_4 = float.fromhex("0x1.921fb54442d18p-1")      # pi / 4
_SPI_2 = float.fromhex("0x1.40d931ff62706p+0")     # sqrt(pi / 2)
_ONE_78 = float.fromhex("0x1.a41a41a41a41ap-7")    # 1 / 78
_E_ONE_78 = float.fromhex("0x1.034d9d38e2fcbp+0")  # e^(1 / 78)
_NAF = (1.0 - 2.0 ** -52) / 2.0                    # "not a fraction": (1 - epsilon) / 2
_ULONG_THR = float(2 ** 64 - 1) + _NAF             # numeric_limits<unsigned long>::max() + naf

# opcodes of parameter programs (nestgap.rng.programs writes them)
OP_CONST, OP_UNIFORM, OP_UNIFORM_INT, OP_NORMAL, OP_LOGNORMAL, OP_EXPONENTIAL = 0, 1, 2, 3, 4, 5
OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_POW = 6, 7, 8, 9, 10
OP_EXP, OP_SIN, OP_COS, OP_MIN, OP_MAX, OP_COMPARE = 11, 12, 13, 14, 15, 16
OP_JUMP_IF_ZERO, OP_JUMP, OP_REDRAW_START, OP_REDRAW = 17, 18, 19, 20
#: comparison codes of OP_COMPARE (NEST's ComparingParameter): <, <=, ==, !=, >=, >
CMP_LT, CMP_LE, CMP_EQ, CMP_NE, CMP_GE, CMP_GT = 0, 1, 2, 3, 4, 5
MAX_REDRAWS = 1000  # NEST's RedrawParameter gives up after this many redraws
STACK_DEPTH = 64  # most values a program holds at once (nestgap.rng.programs checks)

# poisson parameter vector (libstdc++ param_type, computed once per mean)
P_MEAN, P_LARGE, P_LM_THR, P_LFM, P_SM, P_D, P_SCX, P_1CX, P_C2B, P_CB = range(10)
# binomial parameter vector
B_T, B_P, B_EASY, B_Q, B_D1, B_D2, B_S1, B_S2, B_C, B_A1, B_A123, B_S, B_LF, B_LP1P = range(14)

if numba_active():
    lgamma = math.lgamma  # numba's calls the C library's lgamma (glibc, as NEST)
else:
    import ctypes
    import ctypes.util

    _libm = ctypes.CDLL(ctypes.util.find_library("m"))
    _libm.lgamma.restype, _libm.lgamma.argtypes = ctypes.c_double, [ctypes.c_double]

    def lgamma(x):
        """glibc's lgamma (CPython's math.lgamma is its own and rounds differently)."""
        return _libm.lgamma(float(x))


# --------------------------------------------------------------------------- engines

@jit
def _twist(state, n, m, upper, lower, matrix):
    """Regenerate the n words x = state[2:2 + n] of a Mersenne Twister (shift m, twist matrix
    ``matrix``) in place: x[k] = x[k + m] ^ A(upper bits of x[k] | lower bits of x[k + 1]),
    indices mod n."""
    for k in range(2, 2 + n - m):
        y = (state[k] & upper) | (state[k + 1] & lower)
        state[k] = state[k + m] ^ (y >> _S1) ^ ((y & _1) * matrix)
    for k in range(2 + n - m, 2 + n - 1):
        y = (state[k] & upper) | (state[k + 1] & lower)
        state[k] = state[k + m - n] ^ (y >> _S1) ^ ((y & _1) * matrix)
    y = (state[2 + n - 1] & upper) | (state[2] & lower)
    state[2 + n - 1] = state[2 + m - 1] ^ (y >> _S1) ^ ((y & _1) * matrix)


@jit(inline="always")
def _mulhi64(a, b):
    """High 64 bits of the 128-bit product a * b."""
    a_lo, a_hi, b_lo, b_hi = a & _M32, a >> _S32, b & _M32, b >> _S32
    p0, p1, p2, p3 = a_lo * b_lo, a_lo * b_hi, a_hi * b_lo, a_hi * b_hi
    mid = (p0 >> _S32) + (p1 & _M32) + (p2 & _M32)
    return p3 + (p1 >> _S32) + (p2 >> _S32) + (mid >> _S32)


@jit
def _philox_block(state, wide):
    """Philox4xW-10 of the counter under the key, into the output block."""
    c0, c1, c2, c3 = state[_CTR], state[_CTR + 1], state[_CTR + 2], state[_CTR + 3]
    k0, k1 = state[_KEY], state[_KEY + 1]
    for r in range(10):
        if wide:
            if r > 0:
                k0, k1 = k0 + _PH64_W0, k1 + _PH64_W1
            hi0, lo0 = _mulhi64(_PH64_M0, c0), _PH64_M0 * c0
            hi1, lo1 = _mulhi64(_PH64_M1, c2), _PH64_M1 * c2
        else:
            if r > 0:
                k0, k1 = (k0 + _PH32_W0) & _M32, (k1 + _PH32_W1) & _M32
            p0, p1 = _PH32_M0 * c0, _PH32_M1 * c2
            hi0, lo0 = p0 >> _S32, p0 & _M32
            hi1, lo1 = p1 >> _S32, p1 & _M32
        c0, c1, c2, c3 = hi1 ^ c1 ^ k0, lo1, hi0 ^ c3 ^ k1, lo0
    state[_BLOCK], state[_BLOCK + 1], state[_BLOCK + 2], state[_BLOCK + 3] = c0, c1, c2, c3


@jit(inline="always")
def _rotl(x, r, width, mask):
    return ((x << r) & mask) | (x >> (width - r))


@jit
def _threefry_block(state, wide):
    """Threefry4xW-20 of the counter under the key, into the output block."""
    if wide:
        mask, width, rot, parity = _M64, _S64, _TF64_R, _TF64_PARITY
    else:
        mask, width, rot, parity = _M32, _S32, _TF32_R, _TF32_PARITY
    ks = state[_SCHEDULE:_SCHEDULE + 5]  # not inlined: called once per four outputs
    for i in range(4):
        ks[i] = state[_KEY + i]
        parity ^= ks[i]
    ks[4] = parity
    x0 = (state[_CTR] + ks[0]) & mask
    x1 = (state[_CTR + 1] + ks[1]) & mask
    x2 = (state[_CTR + 2] + ks[2]) & mask
    x3 = (state[_CTR + 3] + ks[3]) & mask
    for r in range(20):
        ra, rb = rot[r % 8, 0], rot[r % 8, 1]
        if r % 2 == 0:
            x0 = (x0 + x1) & mask
            x1 = _rotl(x1, ra, width, mask) ^ x0
            x2 = (x2 + x3) & mask
            x3 = _rotl(x3, rb, width, mask) ^ x2
        else:
            x0 = (x0 + x3) & mask
            x3 = _rotl(x3, ra, width, mask) ^ x0
            x2 = (x2 + x1) & mask
            x1 = _rotl(x1, rb, width, mask) ^ x2
        if r % 4 == 3:  # key injection j after every fourth round
            j = r // 4 + 1
            x0 = (x0 + ks[j % 5]) & mask
            x1 = (x1 + ks[(j + 1) % 5]) & mask
            x2 = (x2 + ks[(j + 2) % 5]) & mask
            x3 = (x3 + ks[(j + 3) % 5] + _U(j)) & mask
    state[_BLOCK], state[_BLOCK + 1], state[_BLOCK + 2], state[_BLOCK + 3] = x0, x1, x2, x3


@jit(inline="always")
def engine_bits(state):
    """Bits per engine output: 64 (mt19937_64, Philox_64, Threefry_64) or 32."""
    kind = np.int64(state[0])
    return 64 if kind == MT19937_64 or kind == PHILOX_64 or kind == THREEFRY_64 else 32


@jit(inline="always")
def _mt64_next(state):
    """next_raw for an mt19937_64 state (the default engine: bulk loops branch once on it)."""
    pos = np.int64(state[_POS])
    if pos >= _MT64_N:
        _twist(state, _MT64_N, _MT64_M, _MT64_UPPER, _MT64_LOWER, _MT64_A)
        pos = 0
    z = state[2 + pos]
    state[_POS] = _U(pos + 1)
    z ^= (z >> _S29) & _MT64_D
    z ^= (z << _S17) & _MT64_B
    z ^= (z << _S37) & _MT64_C
    return z ^ (z >> _S43)


@jit(inline="always")
def next_raw(state):
    """The engine's next output (uint64; < 2^32 for 32-bit engines). Inlined where draws are
    hot; what runs once per 312, 624 or 4 outputs is a call."""
    kind = np.int64(state[0])
    if kind == MT19937_64:
        return _mt64_next(state)
    pos = np.int64(state[_POS])
    if kind == MT19937:
        if pos >= _MT32_N:
            _twist(state, _MT32_N, _MT32_M, _MT32_UPPER, _MT32_LOWER, _MT32_A)
            pos = 0
        z = state[2 + pos]
        state[_POS] = _U(pos + 1)
        z ^= z >> _S11
        z ^= (z << _S7) & _MT32_B
        z ^= (z << _S15) & _MT32_C
        return z ^ (z >> _S18)
    # Random123's conventional Engine: a fresh block per counter increment, handed
    # out last word first (the word count left is kept in the state)
    if pos == 0:
        _random123_refill(state, kind)
        pos = 4
    state[_POS] = _U(pos - 1)
    return state[_BLOCK + pos - 1]


@jit
def _random123_refill(state, kind):
    """Counter + 1 (with carry), then the block of the new counter under the key."""
    wide = kind == PHILOX_64 or kind == THREEFRY_64
    mask = _M64 if wide else _M32
    for i in range(4):
        word = (state[_CTR + i] + _1) & mask
        state[_CTR + i] = word
        if word != _0:
            break
    if kind == PHILOX_32 or kind == PHILOX_64:
        _philox_block(state, wide)
    else:
        _threefry_block(state, wide)


# --------------------------------------------------------------------------- distributions

@jit(inline="always")
def drand(state):
    """libstdc++'s generate_canonical<double, 53> as compiled into NEST 3.10 ([rand.util.canonical]):
    one output of a 64-bit engine, two of a 32-bit one; in [0, 1). Inlined (hot loops);
    :func:`canonical` is the same as a call."""
    if engine_bits(state) == 64:
        u = np.float64(next_raw(state)) * _TWO_M64
    else:
        low = np.float64(next_raw(state))
        u = (low + np.float64(next_raw(state)) * _TWO_32) * _TWO_M64
    return u if u < 1.0 else _BELOW_ONE


@jit
def canonical(state):
    """:func:`drand` as a function call (where draws are not hot)."""
    return drand(state)


@jit(inline="always")
def drand_of(state, mt64):
    """:func:`drand`; ``mt64`` (the state is mt19937_64's, decided once per bulk call) lets a
    loop run without the engine dispatch."""
    if mt64:
        u = np.float64(_mt64_next(state)) * _TWO_M64
        return u if u < 1.0 else _BELOW_ONE
    return drand(state)


@jit(inline="always")
def is_mt64(state):
    return np.int64(state[0]) == MT19937_64


@jit(inline="always")
def _uniform_int_down(state, urange, urngrange):
    """GCC 10's uniform_int_distribution when the engine's range is not smaller: [0, urange]."""
    if urngrange == urange:
        return next_raw(state)
    uerange = urange + _1
    scaling = urngrange // uerange
    past = uerange * scaling
    r = next_raw(state)
    while r >= past:
        r = next_raw(state)
    return r // scaling


@jit
def uniform_int(state, urange):
    """std::uniform_int_distribution<unsigned long>(0, urange) as in GCC 10 (downscaling by
    rejection; upscaling by combining draws when the engine has 32 bits and urange >= 2^32)."""
    urngrange = _M64 if engine_bits(state) == 64 else _M32
    if urngrange >= urange:
        return _uniform_int_down(state, urange, urngrange)
    uerngrange = urngrange + _1
    while True:
        tmp = uerngrange * _uniform_int_down(state, urange // uerngrange, urngrange)
        ret = tmp + next_raw(state)
        if not (ret > urange or ret < tmp):
            return ret


@jit(inline="always")
def ulrand(state, n):
    """NEST's ulrand(n): uniform on {0, ..., n - 1} (n a uint64). Inlined for 64-bit engines,
    a call otherwise."""
    if engine_bits(state) == 64:
        return _uniform_int_down(state, n - _1, _M64)
    return uniform_int(state, n - _1)


@jit
def standard_normal(state, cache):
    """libstdc++'s normal_distribution (Marsaglia's polar method): a pair per accepted point,
    the second value kept in ``cache`` ([available, value]) for the next call."""
    if cache[0] != 0.0:
        cache[0] = 0.0
        return cache[1]
    while True:
        x = 2.0 * drand(state) - 1.0
        y = 2.0 * drand(state) - 1.0
        r2 = x * x + y * y
        if not (r2 > 1.0 or r2 == 0.0):
            break
    mult = math.sqrt(-2.0 * math.log(r2) / r2)
    cache[1] = x * mult
    cache[0] = 1.0
    return y * mult


@jit
def normal(state, cache, mean, std):
    """normal_distribution(mean, std): standard value * std + mean."""
    return standard_normal(state, cache) * std + mean


@jit
def lognormal(state, cache, m, s):
    """lognormal_distribution(m, s): exp(s * Z + m), Z from its own (0, 1) normal distribution."""
    return math.exp(s * (standard_normal(state, cache) * 1.0 + 0.0) + m)


@jit
def nest_exponential(state, beta):
    """NEST's ExponentialParameter: beta * -log(1 - drand())."""
    return beta * (-math.log(1.0 - canonical(state)))


@jit(inline="always")
def _round_half_away(x):
    """C's round(): halves away from zero."""
    whole = math.floor(abs(x))
    if abs(x) - whole >= 0.5:  # exact: |x| and its floor are within a factor of two or equal
        whole += 1.0
    return whole if x >= 0.0 else -whole


@jit
def poisson_param(mean):
    """libstdc++'s poisson_distribution::param_type for ``mean`` (float64[10], P_* fields)."""
    par = np.zeros(10)
    par[P_MEAN] = mean
    if mean >= 12.0:
        m = math.floor(mean)
        par[P_LARGE] = 1.0
        par[P_LM_THR] = math.log(mean)
        par[P_LFM] = lgamma(m + 1.0)
        par[P_SM] = math.sqrt(m)
        dx = math.sqrt(2.0 * m * math.log(32.0 * m / _PI_4))
        d = _round_half_away(max(6.0, min(m, dx)))
        cx = 2.0 * m + d
        par[P_D] = d
        par[P_SCX] = math.sqrt(cx / 2.0)
        par[P_1CX] = 1.0 / cx
        par[P_C2B] = math.sqrt(_PI_4 * cx) * math.exp(par[P_1CX])
        par[P_CB] = 2.0 * cx * math.exp(-d * par[P_1CX] * (1.0 + d / 2.0)) / d
    else:
        par[P_LM_THR] = math.exp(-mean)
    return par


@jit
def poisson(state, cache, par):
    """libstdc++'s poisson_distribution: Knuth's product of uniforms below mean 12, above it
    Devroye's rejection method (1986, ch. X.3, with the Errata case x = 1) using ``cache``."""
    if par[P_LARGE] == 0.0:
        x = 0
        prod = 1.0
        while True:
            prod *= drand(state)
            x += 1
            if not (prod > par[P_LM_THR]):
                return x - 1
    m = math.floor(par[P_MEAN])
    sm, d, scx, one_cx = par[P_SM], par[P_D], par[P_SCX], par[P_1CX]
    c1 = sm * _SPI_2
    c2 = par[P_C2B] + c1
    c3 = c2 + 1.0
    c4 = c3 + 1.0
    c5 = c4 + _E_ONE_78
    c = par[P_CB] + c5
    two_cx = 2.0 * (2.0 * m + d)
    while True:
        u = c * canonical(state)
        e = -math.log(1.0 - canonical(state))
        w = 0.0
        if u <= c1:
            n = standard_normal(state, cache) * 1.0 + 0.0
            y = -abs(n) * sm - 1.0
            x = math.floor(y)
            w = -n * n / 2.0
            if x < -m:
                continue
        elif u <= c2:
            n = standard_normal(state, cache) * 1.0 + 0.0
            y = 1.0 + abs(n) * scx
            x = math.ceil(y)
            w = y * (2.0 - y) * one_cx
            if x > d:
                continue
        elif u <= c3:
            x = -1.0
        elif u <= c4:
            x = 0.0
        elif u <= c5:
            x = 1.0
            w = _ONE_78
        else:
            v = -math.log(1.0 - canonical(state))
            y = d + v * two_cx / d
            x = math.ceil(y)
            w = -d * one_cx * (1.0 + y / 2.0)
        reject = w - e - x * par[P_LM_THR] > par[P_LFM] - lgamma(x + m + 1.0)
        if not (reject or x + m >= _ULONG_THR):
            return np.int64(x + m + _NAF)


@jit
def binomial_param(t, p):
    """libstdc++'s binomial_distribution::param_type for (t, p) (float64[14], B_* fields)."""
    par = np.zeros(14)
    tf = np.float64(t)
    par[B_T], par[B_P] = tf, p
    p12 = p if p <= 0.5 else 1.0 - p
    if tf * p12 >= 8.0:
        np_ = math.floor(tf * p12)
        pa = np_ / tf
        q1 = 1.0 - pa
        d1x = math.sqrt(np_ * q1 * math.log(32.0 * np_ / (81.0 * _PI_4 * q1)))
        d1 = _round_half_away(max(1.0, d1x))
        d2x = math.sqrt(np_ * q1 * math.log(np.float64(32 * t) * q1 / (_PI_4 * pa)))
        d2 = _round_half_away(max(1.0, d2x))
        s1 = math.sqrt(np_ * q1) * (1.0 + d1 / (4.0 * np_))
        s2 = math.sqrt(np_ * q1) * (1.0 + d2 / (np.float64(4 * t) * q1))
        cc = 2.0 * d1 / np_
        a1 = math.exp(cc) * s1 * _SPI_2
        a12 = a1 + s2 * _SPI_2
        s1s = s1 * s1
        a123 = a12 + (math.exp(d1 / (tf * q1)) * 2.0 * s1s / d1 * math.exp(-d1 * d1 / (2.0 * s1s)))
        s2s = s2 * s2
        par[B_EASY] = 0.0
        par[B_D1], par[B_D2], par[B_S1], par[B_S2], par[B_C], par[B_A1], par[B_A123] = d1, d2, s1, s2, cc, a1, a123
        par[B_S] = a123 + 2.0 * s2s / d2 * math.exp(-d2 * d2 / (2.0 * s2s))
        par[B_LF] = lgamma(np_ + 1.0) + lgamma(tf - np_ + 1.0)
        par[B_LP1P] = math.log(pa / q1)
        par[B_Q] = -math.log(1.0 - (p12 - pa) / q1)
    else:
        par[B_EASY] = 1.0
        par[B_Q] = -math.log(1.0 - p12)
    return par


@jit
def _binomial_waiting(state, t, q):
    """The waiting-time method: exponential spacings until their weighted sum exceeds q."""
    x = 0
    total = 0.0
    while True:
        if t == x:
            return x
        e = -math.log(1.0 - canonical(state))
        total += e / np.float64(t - x)
        x += 1
        if not (total <= q):
            return x - 1


@jit
def binomial(state, cache, t, par):
    """libstdc++'s binomial_distribution<unsigned long>(t, p): the waiting-time method for
    t * min(p, 1 - p) < 8, else Devroye's rejection method (1986, ch. X.4) using ``cache``."""
    p = par[B_P]
    p12 = p if p <= 0.5 else 1.0 - p
    if par[B_EASY] != 0.0:
        ret = _binomial_waiting(state, t, par[B_Q])
    else:
        tf = np.float64(t)
        np_ = math.floor(tf * p12)
        s1, s2, d1, d2 = par[B_S1], par[B_S2], par[B_D1], par[B_D2]
        a1 = par[B_A1]
        a12 = a1 + s2 * _SPI_2
        a123 = par[B_A123]
        s1s, s2s = s1 * s1, s2 * s2
        x = 0.0
        while True:
            u = par[B_S] * canonical(state)
            v = 0.0
            if u <= a1:
                n = standard_normal(state, cache) * 1.0 + 0.0
                y = s1 * abs(n)
                reject = y >= d1
                if not reject:
                    e = -math.log(1.0 - canonical(state))
                    x = math.floor(y)
                    v = -e - n * n / 2.0 + par[B_C]
            elif u <= a12:
                n = standard_normal(state, cache) * 1.0 + 0.0
                y = s2 * abs(n)
                reject = y >= d2
                if not reject:
                    e = -math.log(1.0 - canonical(state))
                    x = math.floor(-y)
                    v = -e - n * n / 2.0
            elif u <= a123:
                e1 = -math.log(1.0 - canonical(state))
                e2 = -math.log(1.0 - canonical(state))
                y = d1 + 2.0 * s1s * e1 / d1
                x = math.floor(y)
                v = -e2 + d1 * (1.0 / (tf - np_) - y / (2.0 * s1s))
                reject = False
            else:
                e1 = -math.log(1.0 - canonical(state))
                e2 = -math.log(1.0 - canonical(state))
                y = d2 + 2.0 * s2s * e1 / d2
                x = math.floor(-y)
                v = -e2 - d2 * y / (2.0 * s2s)
                reject = False
            reject = reject or x < -np_ or x > tf - np_
            if not reject:
                lfx = lgamma(np_ + x + 1.0) + lgamma(tf - (np_ + x) + 1.0)
                reject = v > par[B_LF] - lfx + x * par[B_LP1P]
            if not (reject or x + np_ >= _ULONG_THR):
                break
        x += np_ + _NAF
        k = np.int64(x)
        ret = k + _binomial_waiting(state, t - k, par[B_Q])
    return t - ret if p12 != p else ret


# --------------------------------------------------------------------------- parameter programs

@jit
def _compare(code, left, right):
    if code == CMP_LT:
        return left < right
    if code == CMP_LE:
        return left <= right
    if code == CMP_EQ:
        return left == right
    if code == CMP_NE:
        return left != right
    if code == CMP_GE:
        return left >= right
    return left > right


@jit
def evaluate(state, caches, thread, code, start, stop, stack):
    """Value of the program ``code[start:stop]`` drawn from ``state``; normal and lognormal
    leaves use ``caches[thread, slot]``; ``stack`` is scratch (float64[STACK_DEPTH]). Operands
    are evaluated left first, as NEST does. Jumps (conditional, redraw) go to absolute rows.
    A redraw that found no value within [min, max] in MAX_REDRAWS draws gives NaN (the caller
    raises NEST's error)."""
    top = 0
    i = start
    while i < stop:
        op = np.int64(code[i, 0])
        a, b = code[i, 1], code[i, 2]
        i += 1
        if op == OP_CONST:
            value = a
        elif op == OP_UNIFORM:
            value = a + drand(state) * b
        elif op == OP_UNIFORM_INT:
            value = np.float64(ulrand(state, (_U(np.int64(a)) << _S32) | _U(np.int64(b))))
        elif op == OP_NORMAL:
            value = normal(state, caches[thread, np.int64(code[i - 1, 3])], a, b)
        elif op == OP_LOGNORMAL:
            value = lognormal(state, caches[thread, np.int64(code[i - 1, 3])], a, b)
        elif op == OP_EXPONENTIAL:
            value = nest_exponential(state, a)
        elif op == OP_REDRAW_START:
            value = 0.0  # the number of redraws so far, below the value drawn next
        elif op == OP_JUMP:
            i = np.int64(a)
            continue
        elif op == OP_JUMP_IF_ZERO:
            top -= 1
            if stack[top] == 0.0:
                i = np.int64(a)
            continue
        elif OP_POW <= op <= OP_MAX:  # one operand
            top -= 1
            x = stack[top]
            if op == OP_POW:
                value = x ** a
            elif op == OP_EXP:
                value = math.exp(x)
            elif op == OP_SIN:
                value = math.sin(x)
            elif op == OP_COS:
                value = math.cos(x)
            elif op == OP_MIN:
                value = a if a < x else x  # std::min(x, a)
            else:
                value = a if x < a else x  # std::max(x, a)
        elif op == OP_REDRAW:  # value on top, redraw count below it
            top -= 2
            value = stack[top + 1]
            if value < a or value > b:
                redraws = stack[top] + 1.0
                if redraws < MAX_REDRAWS:
                    stack[top] = redraws
                    top += 1
                    i = np.int64(code[i - 1, 3])
                    continue
                value = np.nan
        else:
            top -= 2
            left, right = stack[top], stack[top + 1]
            if op == OP_ADD:
                value = left + right
            elif op == OP_SUB:
                value = left - right
            elif op == OP_MUL:
                value = left * right
            elif op == OP_DIV:
                value = left / right  # IEEE (numpy's error model): x / 0 is inf or nan
            else:
                value = 1.0 if _compare(np.int64(a), left, right) else 0.0
        stack[top] = value
        top += 1
    return stack[0]


@jit
def evaluate_rows(state, caches, threads, code, starts, out):
    """``out[r, k]`` = program k, for rows r in order and programs k in order within a row
    (how NEST sets several random entries of one node); row r uses ``caches[threads[r]]``."""
    stack = np.empty(STACK_DEPTH)
    for r in range(out.shape[0]):
        for k in range(out.shape[1]):
            out[r, k] = evaluate(state, caches, threads[r], code, starts[k], starts[k + 1], stack)


# --------------------------------------------------------------------------- bulk draws

@jit
def raw_fill(state, out):
    """``out[i]``: successive engine outputs."""
    for i in range(out.size):
        out[i] = next_raw(state)


@jit
def canonical_fill(state, out):
    """``out[i]``: successive drand() values."""
    mt64 = is_mt64(state)
    for i in range(out.size):
        out[i] = drand_of(state, mt64)


@jit
def ulrand_fill(state, n, out):
    """``out[i]``: successive ulrand(n) values, n >= 1."""
    un = _U(n)
    for i in range(out.size):
        out[i] = np.int64(ulrand(state, un))


@jit
def normal_fill(state, cache, mean, std, out):
    for i in range(out.size):
        out[i] = normal(state, cache, mean, std)


@jit
def poisson_fill(state, cache, par, out):
    """``out`` (any shape, C order) filled in order with poisson draws: for a poisson_generator
    replica, ``out[step, connection]`` is NEST's order (docs/nest_randomness.md)."""
    flat = out.reshape(out.size)
    if par[P_LARGE] != 0.0:
        for i in range(flat.size):
            flat[i] = poisson(state, cache, par)
        return
    mt64 = is_mt64(state)
    for i in range(flat.size):  # the multiplication method inline (poisson_generator's usual case)
        x = 0
        prod = 1.0
        while True:
            prod *= drand_of(state, mt64)
            x += 1
            if not (prod > par[P_LM_THR]):
                break
        flat[i] = x - 1


@jit
def binomial_fill(state, cache, t, par, out):
    for i in range(out.size):
        out[i] = binomial(state, cache, t, par)


# --------------------------------------------------------------------------- connection rules
# One thread's (= one virtual process's) part of a Connect call, drawing from that thread's
# stream in NEST's order. Nodes come with their virtual process (node id % n_vp) and whether
# they are devices (one instance on every thread). The synapse programs ``starts`` are drawn
# for every connection NEST attempts (also for those connection_required then drops), with
# the caches of the target's thread (NEST passes the target node).

@jit(inline="always")
def _here(vp, is_device, thread):
    """Whether a node has an instance on ``thread`` (devices have one on every thread)."""
    return is_device or vp == thread


@jit(inline="always")
def _kept(source_vp, source_device, target_vp, target_device, thread):
    """NEST's connection_required on ``thread``, the target having an instance there: a
    connection to a device is made on the source neuron's thread (from a device: the target's)."""
    if not target_device:
        return True
    return (target_vp if source_device else source_vp) == thread


@jit
def _grow(rows, n):
    """``rows`` with room for row n (doubling), rows [0, n) kept."""
    if n < rows.shape[0]:
        return rows
    bigger = np.empty((2 * rows.shape[0] + 16, rows.shape[1]))
    bigger[:n] = rows[:n]
    return bigger


@jit
def _connect(rows, n, source, target, cache_thread, keep, state, caches, code, starts, stack):
    """single_connect_: the synapse programs drawn in order; the connection recorded if kept.
    Returns (rows, n)."""
    rows = _grow(rows, n)
    for k in range(starts.size - 1):
        rows[n, 2 + k] = evaluate(state, caches, cache_thread, code, starts[k], starts[k + 1], stack)
    if keep:
        rows[n, 0], rows[n, 1] = source, target
        n += 1
    return rows, n


@jit
def connect_pairs(state, caches, code, starts, sources, targets, cache_threads, keep):
    """Connections attempted in the given order (one_to_one, fixed_outdegree's per-thread part,
    fixed_total_number's draws done elsewhere): rows of the kept ones."""
    rows = np.empty((sources.size, starts.size + 1))
    stack = np.empty(STACK_DEPTH)
    n = 0
    for i in range(sources.size):
        rows, n = _connect(rows, n, sources[i], targets[i], cache_threads[i], keep[i],
                           state, caches, code, starts, stack)
    return rows[:n].copy()


@jit
def all_to_all(state, caches, thread, code, starts, sources, source_vp, source_device,
               targets, target_vp, target_device, allow_autapses):
    """AllToAllBuilder on one thread: its targets in order, all sources in order for each."""
    rows = np.empty((16, starts.size + 1))
    stack = np.empty(STACK_DEPTH)
    n = 0
    for j in range(targets.size):
        if not _here(target_vp[j], target_device[j], thread):
            continue
        for i in range(sources.size):
            if not allow_autapses and sources[i] == targets[j]:
                continue
            keep = _kept(source_vp[i], source_device[i], target_vp[j], target_device[j], thread)
            rows, n = _connect(rows, n, sources[i], targets[j], target_vp[j], keep, state, caches, code, starts, stack)
    return rows[:n].copy()


@jit
def fixed_indegree(state, caches, thread, code, starts, degree_start, degree_stop,
                   sources, source_vp, source_device, targets, target_vp, target_device,
                   draw_all, allow_autapses, allow_multapses):
    """FixedInDegreeBuilder on one thread. The in-degree (program rows [degree_start,
    degree_stop), rounded half away from zero) is drawn for each target in order, for all
    targets if ``draw_all`` (NEST's loop_over_targets_) else for this thread's only; then for
    each of this thread's targets, ``degree`` times: source index ulrand(n_sources), redrawn
    on an autapse or (multapses off) a repeat, and single_connect_."""
    rows = np.empty((16, starts.size + 1))
    stack = np.empty(STACK_DEPTH)
    n = 0
    chosen = np.zeros(sources.size, np.bool_)
    picks = np.empty(16, np.int64)
    n_sources = _U(sources.size)
    for j in range(targets.size):
        here = _here(target_vp[j], target_device[j], thread)
        if not (here or draw_all):
            continue
        value = evaluate(state, caches, target_vp[j], code, degree_start, degree_stop, stack)
        degree = np.int64(_round_half_away(value))
        if not here:
            continue
        if picks.size < degree:
            picks = np.empty(degree, np.int64)
        for d in range(degree):
            while True:
                s = np.int64(ulrand(state, n_sources))
                if allow_autapses or sources[s] != targets[j]:
                    if allow_multapses or not chosen[s]:
                        break
            if not allow_multapses:
                chosen[s] = True
                picks[d] = s
            keep = _kept(source_vp[s], source_device[s], target_vp[j], target_device[j], thread)
            rows, n = _connect(rows, n, sources[s], targets[j], target_vp[j], keep, state, caches, code, starts, stack)
        if not allow_multapses:
            for d in range(max(degree, 0)):
                chosen[picks[d]] = False
    return rows[:n].copy()


@jit
def fixed_outdegree_targets(state, caches, code, degree_start, degree_stop, sources, source_vp,
                            targets, allow_autapses, allow_multapses):
    """FixedOutDegreeBuilder's draws on the rank-synced stream: for each source in order its
    out-degree (normal leaves use the source's thread's caches), then the targets by rejection
    (ulrand(n_targets), redrawn on an autapse or, multapses off, a repeat). Rows (source,
    target) in drawing order; the synapse programs are drawn afterwards per thread."""
    rows = np.empty((16, 2))
    stack = np.empty(STACK_DEPTH)
    n = 0
    chosen = np.zeros(targets.size, np.bool_)
    picks = np.empty(16, np.int64)
    n_targets = _U(targets.size)
    for i in range(sources.size):
        value = evaluate(state, caches, source_vp[i], code, degree_start, degree_stop, stack)
        degree = np.int64(_round_half_away(value))
        if picks.size < degree:
            picks = np.empty(degree, np.int64)
        for d in range(degree):
            while True:
                t = np.int64(ulrand(state, n_targets))
                if allow_autapses or targets[t] != sources[i]:
                    if allow_multapses or not chosen[t]:
                        break
            if not allow_multapses:
                chosen[t] = True
                picks[d] = t
            rows = _grow(rows, n)
            rows[n, 0], rows[n, 1] = sources[i], targets[t]
            n += 1
        if not allow_multapses:
            for d in range(max(degree, 0)):
                chosen[picks[d]] = False
    return rows[:n].copy()


@jit
def fixed_total_number(state, caches, thread, code, starts, n_connections, sources, source_vp, source_device,
                       targets, target_device, allow_autapses):
    """FixedTotalNumberBuilder on one virtual process: ``targets`` are this process's targets
    in order; until ``n_connections`` are made, a source index ulrand(n_sources) then a target
    index ulrand(n_targets); an autapse (if forbidden) is drawn again."""
    rows = np.empty((16, starts.size + 1))
    stack = np.empty(STACK_DEPTH)
    n = 0
    made = 0
    n_sources, n_targets = _U(sources.size), _U(targets.size)
    while made < n_connections:
        s = np.int64(ulrand(state, n_sources))
        t = np.int64(ulrand(state, n_targets))
        if allow_autapses or sources[s] != targets[t]:
            keep = _kept(source_vp[s], source_device[s], thread, target_device[t], thread)
            rows, n = _connect(rows, n, sources[s], targets[t], thread, keep, state, caches, code, starts, stack)
            made += 1
    return rows[:n].copy()


@jit
def pairwise_bernoulli(state, caches, thread, code, starts, p_start, p_stop, sources, source_vp, source_device,
                       targets, target_vp, target_device, allow_autapses):
    """BernoulliBuilder on one thread: for its targets in order, for all sources in order
    (autapses skipped without drawing, if forbidden): drand() then p (program rows
    [p_start, p_stop)); a connection if drand() < p."""
    rows = np.empty((16, starts.size + 1))
    stack = np.empty(STACK_DEPTH)
    n = 0
    for j in range(targets.size):
        if not _here(target_vp[j], target_device[j], thread):
            continue
        for i in range(sources.size):
            if not allow_autapses and sources[i] == targets[j]:
                continue
            u = drand(state)
            if u >= evaluate(state, caches, target_vp[j], code, p_start, p_stop, stack):
                continue
            keep = _kept(source_vp[i], source_device[i], target_vp[j], target_device[j], thread)
            rows, n = _connect(rows, n, sources[i], targets[j], target_vp[j], keep, state, caches, code, starts, stack)
    return rows[:n].copy()


@jit
def pairwise_poisson(state, caches, thread, code, starts, mean_start, mean_stop, sources, source_vp,
                     source_device, targets, target_vp, target_device, allow_autapses):
    """PoissonBuilder on one thread: for its targets in order (a fresh poisson distribution
    each), for all sources in order (autapses skipped if forbidden): the mean (program rows
    [mean_start, mean_stop)), then that many connections drawn from poisson(mean)."""
    rows = np.empty((16, starts.size + 1))
    stack = np.empty(STACK_DEPTH)
    n = 0
    poisson_cache = np.zeros(2)
    for j in range(targets.size):
        if not _here(target_vp[j], target_device[j], thread):
            continue
        poisson_cache[0] = 0.0
        for i in range(sources.size):
            if not allow_autapses and sources[i] == targets[j]:
                continue
            mean = evaluate(state, caches, target_vp[j], code, mean_start, mean_stop, stack)
            count = poisson(state, poisson_cache, poisson_param(mean))
            keep = _kept(source_vp[i], source_device[i], target_vp[j], target_device[j], thread)
            for _ in range(count):
                rows, n = _connect(rows, n, sources[i], targets[j], target_vp[j], keep,
                                   state, caches, code, starts, stack)
    return rows[:n].copy()


@jit
def symmetric_pairwise_bernoulli(state, caches, thread, code, starts, p, sources, source_vp, targets, target_vp):
    """SymmetricBernoulliBuilder on one thread, drawing from its vp-synced stream: for each
    target in order, an in-degree binomial(n_sources, p) redrawn while >= n_sources (a fresh
    binomial distribution per call), then that many distinct sources other than the target
    (ulrand(n_sources), redrawn otherwise); for each, the connection source -> target if the
    target is on this thread, then target -> source if the source is (synapse programs drawn
    from the same stream)."""
    rows = np.empty((16, starts.size + 1))
    stack = np.empty(STACK_DEPTH)
    n = 0
    binomial_cache = np.zeros(2)
    t_sources = np.int64(sources.size)
    par = binomial_param(t_sources, p)
    previous = np.zeros(sources.size, np.bool_)
    picks = np.empty(sources.size, np.int64)
    n_sources = _U(sources.size)
    for j in range(targets.size):
        degree = t_sources
        while degree >= t_sources:
            degree = binomial(state, binomial_cache, t_sources, par)
        target_here = target_vp[j] == thread
        made = 0
        while made < degree:
            s = np.int64(ulrand(state, n_sources))
            if sources[s] == targets[j] or previous[s]:
                continue
            previous[s] = True
            picks[made] = s
            if target_here:
                rows, n = _connect(rows, n, sources[s], targets[j], target_vp[j], True,
                                   state, caches, code, starts, stack)
            if source_vp[s] == thread:
                rows, n = _connect(rows, n, targets[j], sources[s], source_vp[s], True,
                                   state, caches, code, starts, stack)
            made += 1
        for d in range(degree):
            previous[picks[d]] = False
    return rows[:n].copy()


# --------------------------------------------------------------------------- ahead-of-time signatures
# (arrays C-contiguous: u8[::1] a uint64 vector, f8[:, :, ::1] a float64 3-d array, i8 int64, b1 bool)

_STATE, _F1, _F2, _F3 = "u8[::1]", "f8[::1]", "f8[:, ::1]", "f8[:, :, ::1]"
_I1, _I2, _B1 = "i8[::1]", "i8[:, ::1]", "b1[::1]"
_NODES = f"{_I1}, {_I1}, {_B1}"  # ids, virtual processes, device flags
EXPORTS = {
    "raw_fill": f"void({_STATE}, {_STATE})",
    "canonical_fill": f"void({_STATE}, {_F1})",
    "ulrand_fill": f"void({_STATE}, u8, {_I1})",
    "normal_fill": f"void({_STATE}, {_F1}, f8, f8, {_F1})",
    "poisson_param": f"{_F1}(f8)",
    "poisson_fill": f"void({_STATE}, {_F1}, {_F1}, {_I2})",
    "binomial_param": f"{_F1}(i8, f8)",
    "binomial_fill": f"void({_STATE}, {_F1}, i8, {_F1}, {_I1})",
    "evaluate_rows": f"void({_STATE}, {_F3}, {_I1}, {_F2}, {_I1}, {_F2})",
    "connect_pairs": f"{_F2}({_STATE}, {_F3}, {_F2}, {_I1}, {_I1}, {_I1}, {_I1}, {_B1})",
    "all_to_all": f"{_F2}({_STATE}, {_F3}, i8, {_F2}, {_I1}, {_NODES}, {_NODES}, b1)",
    "fixed_indegree": f"{_F2}({_STATE}, {_F3}, i8, {_F2}, {_I1}, i8, i8, {_NODES}, {_NODES}, b1, b1, b1)",
    "fixed_outdegree_targets": f"{_F2}({_STATE}, {_F3}, {_F2}, i8, i8, {_I1}, {_I1}, {_I1}, b1, b1)",
    "fixed_total_number": f"{_F2}({_STATE}, {_F3}, i8, {_F2}, {_I1}, i8, {_NODES}, {_I1}, {_B1}, b1)",
    "pairwise_bernoulli": f"{_F2}({_STATE}, {_F3}, i8, {_F2}, {_I1}, i8, i8, {_NODES}, {_NODES}, b1)",
    "pairwise_poisson": f"{_F2}({_STATE}, {_F3}, i8, {_F2}, {_I1}, i8, i8, {_NODES}, {_NODES}, b1)",
    "symmetric_pairwise_bernoulli": f"{_F2}({_STATE}, {_F3}, i8, {_F2}, {_I1}, f8, {_I1}, {_I1}, {_I1}, {_I1})",
}
