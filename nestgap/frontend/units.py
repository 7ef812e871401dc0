"""Exact conversion factors of physical units, by NESTML's NEST-target rule.

NEST computes in ms, mV and pA, and in the units derived from them (nS = pA/mV,
pF = pA ms/mV, GOhm = mV/pA). NESTML's NEST target (``NESTUnitConverter``)
converts a literal's unit as follows, and nestgap does the same with exact
rational factors (so ``1 s`` is exactly 1000 ms):

- a time, potential, current, conductance, capacitance or resistance: to ms,
  mV, pA, nS, pF or GOhm (``1 s`` -> 1000);
- a dimensionless unit: its scale;
- a named unit it cannot reduce (``Hz``, ``Bq``, ``mmol``): 1 -- such values stay
  in the unit they are written in, and NESTML's implicit conversion factors
  (applied by :mod:`.lowering`) convert where they meet other units;
- any other unit: the product of its named units' factors, its own scale ignored.

Values of variables are in the units they are declared in under this rule
(ms, mV, pA, ... for the usual ones), as in NESTML's C++.
"""

from fractions import Fraction

from .errors import ModelError

_MS, _MV, _PA = Fraction(1, 10**3), Fraction(1, 10**3), Fraction(1, 10**12)  # in SI

#: physical types NESTML converts to NEST's units
_NEST_TYPES = {"time", "electrical potential", "electrical current", "electrical conductance",
               "electrical capacitance", "electrical resistance"}


def _exact(number: float) -> Fraction:
    """The decimal value a float literal stands for (1e-12 -> 1/10**12)."""
    return Fraction(repr(float(number)))


def nest_factor(unit, where=("?", None, None)) -> Fraction:
    """Factor that converts a value in astropy ``unit`` as NESTML's NEST target does.

    ``where`` = (path, line, col) names the source position for the error raised
    when the unit has a fractional power."""
    physical = str(unit.physical_type)
    if physical == "dimensionless":
        return _exact(unit.decompose().scale)
    if physical in _NEST_TYPES:
        return _in_nest_units(unit, where)
    bases, powers = getattr(unit, "bases", [unit]), getattr(unit, "powers", [1])
    if len(bases) == 1 and unit == bases[0]:
        return Fraction(1)  # a named unit that does not reduce further
    factor = Fraction(1)
    for base, power in zip(bases, powers):
        if int(power) != power:
            _refuse(unit, where)
        factor *= nest_factor(base, where) ** int(power)
    return factor


def _in_nest_units(unit, where) -> Fraction:
    """The exact factor to ms, mV, pA and their products, composed from the named units one by one
    (each has a single decimal scale, whereas astropy's scale of a product is a rounded float)."""
    factor = _exact(getattr(unit, "scale", 1.0))
    for base, power in zip(getattr(unit, "bases", [unit]), getattr(unit, "powers", [1])):
        if int(power) != power:
            _refuse(unit, where)
        decomposed = base.decompose()
        exponents = {str(b): p for b, p in zip(decomposed.bases, decomposed.powers)}
        seconds, kilograms, amperes = exponents.pop("s", 0), exponents.pop("kg", 0), exponents.pop("A", 0)
        exponents.pop("m", 0)
        # base = scale * s^seconds m^(2 kilograms) kg^kilograms A^amperes = F * ms^a mV^b pA^c
        b = int(kilograms)
        a = int(seconds) + 3 * b
        c = int(amperes) + b
        factor *= (_exact(decomposed.scale) / (_MS ** a * _MV ** b * _PA ** c)) ** int(power)
    return factor


def _refuse(unit, where):
    path, line, col = where
    raise ModelError(path, [(line, col, f"unit '{unit}' has a fractional power: it cannot be expressed in "
                                        "NEST's units (ms, mV, pA and their products)")])
