"""Exact conversion factors from physical units to NEST's units.

NEST computes in ms, mV and pA, and in the units derived from them (nS = pA/mV,
pF = pA ms/mV, GOhm = mV/pA). A quantity written in another unit is scaled by
an exact rational factor, e.g. 1 s -> 1000 ms. A named unit without a NEST
counterpart (a concentration such as mmol, a length) gets the factor NESTML's
NEST target gives it (``NESTUnitConverter``: 1 for units it cannot reduce), so
that both compute with the same numbers.
"""

from fractions import Fraction

from .errors import ModelError

_MS, _MV, _PA = Fraction(1, 10**3), Fraction(1, 10**3), Fraction(1, 10**12)  # in SI


def _exact(number: float) -> Fraction:
    """The decimal value a float literal stands for (1e-12 -> 1/10**12)."""
    return Fraction(repr(float(number)))


def nest_factor(unit, where=("?", None, None)) -> Fraction:
    """Factor that converts a value in astropy ``unit`` to NEST's units.

    ``where`` = (path, line, col) names the source position for the error raised
    when the unit has no NEST counterpart (e.g. a length).
    """
    # Compose the factor from the named units (mV, ms, ...) one by one: each has
    # a single decimal scale, whereas astropy's scale of a product is a rounded float.
    factor = _exact(getattr(unit, "scale", 1.0))
    for base, power in zip(getattr(unit, "bases", [unit]), getattr(unit, "powers", [1])):
        if int(power) != power:
            _refuse(unit, where)
        factor *= _named_unit_factor(base, unit, where) ** int(power)
    return factor


def _named_unit_factor(named, unit, where) -> Fraction:
    decomposed = named.decompose()
    powers = {str(base): power for base, power in zip(decomposed.bases, decomposed.powers)}
    seconds, metres = powers.pop("s", 0), powers.pop("m", 0)
    kilograms, amperes = powers.pop("kg", 0), powers.pop("A", 0)
    if any(int(p) != p for p in (seconds, kilograms, amperes)):
        _refuse(unit, where)
    if powers or metres != 2 * kilograms:
        from pynestml.codegeneration.nest_unit_converter import NESTUnitConverter

        return _exact(NESTUnitConverter.get_factor(named))
    # named = scale * s^seconds m^metres kg^kilograms A^amperes = F * ms^a mV^b pA^c
    b = int(kilograms)
    a = int(seconds) + 3 * b
    c = int(amperes) + b
    return _exact(decomposed.scale) / (_MS ** a * _MV ** b * _PA ** c)


def _refuse(unit, where):
    path, line, col = where
    raise ModelError(path, [(line, col, f"unit '{unit}' has a fractional power: it cannot be expressed in "
                                        "NEST's units (ms, mV, pA and their products)")])
