"""glibc's ``exp``, bit for bit, as inlinable numba code.

NEST calls glibc's ``exp`` (C++ ``std::exp``), so nestgap must compute the very
same doubles. Calling libm from compiled code costs a function call per
``exp`` and keeps the compiler from interleaving the eight ``exp`` of the
Hodgkin-Huxley rate functions with the rest of the right-hand side. This module
re-implements the algorithm glibc >= 2.28 uses on x86-64 CPUs with FMA (the
``__exp_fma`` variant; algorithm of ARM's optimized-routines, Szabolcs Nagy,
2018: exp(x) = 2^(k/128) exp(r) with a 128-entry table and a degree-5
polynomial), with the same operations, the same fused multiply-adds and the
same constants, so that it rounds identically.

Whether it really agrees with the libm of this machine is tested when numba
first compiles it on a machine kind (the verdict is kept in the cache, keyed by
this file, numba, the C library and the CPU): on disagreement (another libm, a
CPU without FMA) ``exp`` is plain ``math.exp`` (glibc's, called), which is
always correct, only slower. Arguments outside the range of the fast path
(|x| >= 512, inf, nan) are handed to ``math.exp`` too; glibc's other special case,
|x| < 2^-54 (1 + x, which rounds to 1), is the fast path's result too
(docs/vector_exp.md), so it needs no test.

``exp`` and ``exp_or_nan`` are looked up when a generated module imports them:
numba's versions while numba compiles it (:func:`.jit.compiling_with_numba`),
``math.exp`` for plain Python.
"""

import hashlib
import importlib.util
import math
import os
import platform
import struct
from fractions import Fraction
from functools import lru_cache
from pathlib import Path
from types import SimpleNamespace

import numpy as np

from ..cache import cache_root
from . import jit

_N = 128  # table entries: 2^(i/128)
INV_LN2_N = float.fromhex("0x1.71547652b82fep+7")      # N / ln 2
NEG_LN2_HI_N = float.fromhex("-0x1.62e42fefa0000p-8")  # -ln 2 / N, high part
NEG_LN2_LO_N = float.fromhex("-0x1.cf79abc9e3b3ap-47")  # -ln 2 / N, low part
SHIFT = float.fromhex("0x1.8p52")                       # rounds to an integer when added
C2 = float.fromhex("0x1.ffffffffffdbdp-2")              # polynomial for exp(r) - 1 - r
C3 = float.fromhex("0x1.555555555543cp-3")
C4 = float.fromhex("0x1.55555cf172b91p-5")
C5 = float.fromhex("0x1.1111167a4d017p-7")


def _table():
    """2^(i/N) = scale * (1 + tail): ``scale`` the nearest double (stored as its bits minus
    i << 45, so that adding k << 45 gives the bits of 2^(k/N)), ``tail`` a small double."""
    import mpmath

    mpmath.mp.prec = 200
    tails, bits = np.zeros(_N), np.zeros(_N, np.uint64)
    for i in range(_N):
        exact = mpmath.power(2, mpmath.mpf(i) / _N)
        scale = float(exact)
        tails[i] = float((exact - scale) / scale)
        bits[i] = (struct.unpack("<Q", struct.pack("<d", scale))[0] - (i << 45)) % 2 ** 64
    return tails, bits


def machine_key() -> str:
    """What compiled code depends on besides its source: this module, numba, the C library, the CPU."""
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            cpu = [line for line in cpuinfo if line.startswith(("model name", "flags"))][:2]
    except OSError:
        cpu = []
    parts = [Path(__file__).read_bytes(), _numba_version(), platform.machine().encode(),
             " ".join(platform.libc_ver()).encode(), "".join(cpu).encode()]
    return hashlib.sha256(b"\0".join(parts)).hexdigest()[:16]


def _numba_version() -> bytes:
    """numba's version file (without importing numba or importlib.metadata, both slow to import)."""
    spec = importlib.util.find_spec("numba")
    version = Path(spec.origin).with_name("_version.py") if spec and spec.origin else None
    return version.read_bytes() if version and version.exists() else b"unknown"


@lru_cache(maxsize=None)
def for_numba():
    """The numba versions: ``exp``, ``exp_or_nan`` and ``variant`` ("fast-exp" or "libm-exp")."""
    import numba
    from llvmlite import ir
    from numba import types
    from numba.extending import intrinsic

    TAILS, BITS = _table()

    @intrinsic
    def _fma(typingctx, a, b, c):
        """a * b + c with one rounding (llvm.fma: the CPU's FMA instruction)."""
        def codegen(context, builder, signature, args):
            d = ir.DoubleType()
            return builder.call(builder.module.declare_intrinsic("llvm.fma", [d], ir.FunctionType(d, [d, d, d])),
                                args)
        return types.float64(types.float64, types.float64, types.float64), codegen

    @intrinsic
    def _bits(typingctx, x):
        """The IEEE bits of a double, as uint64."""
        def codegen(context, builder, signature, args):
            return builder.bitcast(args[0], ir.IntType(64))
        return types.uint64(types.float64), codegen

    @intrinsic
    def _double(typingctx, x):
        """The double with these IEEE bits."""
        def codegen(context, builder, signature, args):
            return builder.bitcast(args[0], ir.DoubleType())
        return types.float64(types.uint64), codegen

    _I, _U45 = numba.uint64(_N - 1), numba.uint64(45)
    inline = numba.njit(nogil=True, error_model="numpy", inline="always")

    @inline
    def _fast_path(x):
        """glibc's exp(x) for |x| < 512, same operations in the same order as its fast path
        (which glibc takes for 2^-54 <= |x| < 512; below, it returns 1 + x: the same double,
        docs/vector_exp.md)."""
        z = _fma(x, INV_LN2_N, SHIFT)          # k = round(x N / ln 2), in the low bits of z
        k = _bits(z)
        kd = z - SHIFT
        r = _fma(kd, NEG_LN2_HI_N, x)          # r = x - k ln 2 / N, in two parts
        r = _fma(kd, NEG_LN2_LO_N, r)
        i = k & _I
        c23 = _fma(r, C3, C2)
        tail_r = r + TAILS[i]
        scale_bits = BITS[i] + (k << _U45)
        r2 = r * r
        c45 = _fma(r, C5, C4)
        tmp = _fma(c23, r2, tail_r)
        tmp = _fma(r2 * r2, c45, tmp)
        scale = _double(scale_bits)
        return _fma(scale, tmp, scale)         # scale * (1 + tail + exp(r) - 1)

    @inline
    def fast_exp(x):
        """glibc's exp(x) (see the module docstring)."""
        if abs(x) < 512.0:
            return _fast_path(x)
        return math.exp(x)  # |x| >= 512, inf, nan

    @inline
    def fast_exp_or_nan(x):
        """glibc's exp(x) for |x| < 512, NaN otherwise (|x| >= 512, inf, nan): no call and no
        branch, so that loops over many x vectorise (the table lookups become SIMD gathers)."""
        value = _fast_path(x)
        return value if abs(x) < 512.0 else math.nan

    @inline
    def quotient(x, d, d_hi, d_lo):
        """x / d for a constant d (2^-500 <= |d| <= 2^500) with d_hi = RN(1/d), d_lo = RN(1/d - d_hi),
        by fused multiply-adds instead of the divider (docs/exact_division.md): the double-double
        product x (d_hi + d_lo) rounds to a faithful quotient, and Markstein's correction makes it
        the correctly rounded one, x / d bit for bit, wherever |x| and |x / d| are >= 2^-969; below,
        or for an x of inf or nan, it may differ (a NaN for inf)."""
        q = _fma(x, d_hi, x * d_lo)
        return _fma(_fma(-q, d, x), d_hi, q)

    @inline
    def fast_exp_of_quotient_or_nan(x, d, d_hi, d_lo):
        """fast_exp_or_nan(x / d), the quotient from ``quotient``: where that may differ from x / d
        (|x / d| < 2^-969; |x| < 2^-969 only where |x / d| < 2^-469) both quotients are below
        2^-54, whose exp is 1 either way; for x = inf or nan the result is NaN either way."""
        return fast_exp_or_nan(quotient(x, d, d_hi, d_lo))

    @inline
    def libm_exp(x):
        return math.exp(x)

    @inline
    def libm_exp_of_quotient(x, d, d_hi, d_lo):
        return math.exp(x / d)

    @numba.njit
    def differences(xs):
        n = 0
        for x in xs:
            a, b = fast_exp(x), math.exp(x)
            if a != b and not (a != a and b != b):
                n += 1
        return n

    if _agrees_with_libm(differences):
        #: exp_or_nan: exp(x), or NaN for |x| >= 512, inf and nan (callers redo those exactly)
        return SimpleNamespace(exp=fast_exp, exp_or_nan=fast_exp_or_nan,
                               exp_of_quotient_or_nan=fast_exp_of_quotient_or_nan, quotient=quotient,
                               variant="fast-exp", differences=differences)
    return SimpleNamespace(exp=libm_exp, exp_or_nan=libm_exp, exp_of_quotient_or_nan=libm_exp_of_quotient,
                           quotient=None, variant="libm-exp", differences=differences)


def _agrees_with_libm(differences) -> bool:
    """The self-test below, run once per machine kind; its verdict is kept in the cache."""
    record = cache_root() / "libm" / f"exp-{machine_key()}"
    if record.exists() and record.read_text() in ("agrees", "differs"):
        return record.read_text() == "agrees"
    verdict = self_test(differences)
    record.parent.mkdir(parents=True, exist_ok=True)
    temporary = record.with_suffix(f".{os.getpid()}.tmp")
    temporary.write_text("agrees" if verdict else "differs")
    temporary.replace(record)
    return verdict


def self_test(differences) -> bool:
    """True if ``differences`` (compiled: count of x where fast exp != math.exp) finds none."""
    rng = np.random.default_rng(20181001)
    tiny = rng.uniform(-1.0, 1.0, 20_000) * 2.0 ** rng.integers(-1074, -53, 20_000)  # down to subnormals
    samples = np.concatenate([rng.uniform(-100.0, 100.0, 400_000), rng.uniform(-750.0, 720.0, 100_000),
                              rng.uniform(-1e-6, 1e-6, 20_000), rng.standard_normal(80_000), tiny,
                              np.array([0.0, -0.0, 1.0, -1.0, 512.0, -512.0, 709.78, -745.2, 1e-300,
                                        2.0 ** -54, -2.0 ** -54, np.nextafter(2.0 ** -54, 0.0), 5e-324,
                                        math.inf, -math.inf, math.nan])])
    return differences(samples) == 0


def reciprocal_parts(d: float) -> tuple[float, float] | None:
    """(RN(1/d), RN(1/d - RN(1/d))), the constants of exp_of_quotient_or_nan, for a d with
    2^-500 <= |d| <= 2^500; None for any other d (zero, tiny, huge, inf, nan)."""
    if not 2.0 ** -500 <= abs(d) <= 2.0 ** 500:
        return None
    d_hi = 1.0 / d  # Python divides correctly rounded, as does float(Fraction)
    return d_hi, float(Fraction(1) / Fraction(d) - Fraction(d_hi))


def _exp_of_quotient(x, d, d_hi, d_lo):
    return math.exp(x / d)


def __getattr__(name):
    """``exp`` / ``exp_or_nan`` / ``exp_of_quotient_or_nan``: numba's while numba compiles, else
    ``math.exp`` (of the quotient: ``math.exp(x / d)``)."""
    if name in ("exp", "exp_or_nan"):
        return getattr(for_numba(), name) if jit.numba_active() else math.exp
    if name == "exp_of_quotient_or_nan":
        return for_numba().exp_of_quotient_or_nan if jit.numba_active() else _exp_of_quotient
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
