"""Exact integer arithmetic for quantities and money.

Why integers: an invoice must be reproducible by hand. Quantities are held as integer multiples of
0.001 m³ (litres) or 0.0001 month, prices as multiples of 0.0001 zł and money as grosze, so
``quantity × unit price`` is an exact product and the only rounding is the documented half-up step
to the grosz.  Floats are used only before a quantity is fixed (interpolation, daily averages).
"""

from __future__ import annotations

import numpy as np

PRICE_SCALE = 10_000  # unit prices are carried in 0.0001 zł
GROSZ_PER_PLN = 100
BP_SCALE = 10_000  # VAT rate in hundredths of a percent: 8 % = 800 / 10 000


def round_half_up_div(numer: np.ndarray, denom: int) -> np.ndarray:
    """Divide integers and round halves away from zero (Decimal ROUND_HALF_UP).

    Polish VAT law (art. 106e ust. 11) rounds amounts below half a grosz down and half a grosz or
    more up; for non-negative amounts this is exactly half-up, and we mirror it for credits.
    """
    n = np.asarray(numer, dtype=np.int64)
    if denom % 2:
        raise ValueError("denominator must be even so that a half is representable")
    magnitude = (np.abs(n) + denom // 2) // denom
    return np.where(n < 0, -magnitude, magnitude).astype(np.int64)


def to_scaled(values: np.ndarray, scale: int) -> np.ndarray:
    """Float quantities to integer units (litres, 0.0001 month): nearest unit, halves away from zero."""
    v = np.asarray(values, dtype=np.float64) * scale
    return (np.sign(v) * np.floor(np.abs(v) + 0.5)).astype(np.int64)


def split_by_weights(total: np.ndarray, cum_before: np.ndarray, cum_after: np.ndarray,
                     weight_total: np.ndarray) -> np.ndarray:
    """One part of an integer total, proportional to its weight, such that all parts sum exactly.

    Each part is ``floor(T·C_after/W) − floor(T·C_before/W)`` where C are cumulative weights; the
    telescoping sum of the parts is ``floor(T·W/W) = T``, so no litre or grosz is lost or invented.
    """
    t = np.asarray(total, dtype=np.int64)
    w = np.asarray(weight_total, dtype=np.int64)
    w_safe = np.where(w == 0, 1, w)
    after = (t * np.asarray(cum_after, dtype=np.int64)) // w_safe
    before = (t * np.asarray(cum_before, dtype=np.int64)) // w_safe
    return np.where(w == 0, 0, after - before).astype(np.int64)


def line_net_grosze(quantity_units: np.ndarray, quantity_scale: np.ndarray,
                    unit_price_units: np.ndarray) -> np.ndarray:
    """Net of a line in grosze: exact quantity × price, then one half-up rounding to the grosz."""
    q = np.asarray(quantity_units, dtype=np.int64)
    p = np.asarray(unit_price_units, dtype=np.int64)
    scales = np.asarray(quantity_scale, dtype=np.int64)
    out = np.empty(q.shape, dtype=np.int64)
    for scale in np.unique(scales):
        sel = scales == scale
        denom = int(scale) * PRICE_SCALE // GROSZ_PER_PLN
        out[sel] = round_half_up_div(q[sel] * p[sel], denom)
    return out


def price_to_units(prices: np.ndarray) -> np.ndarray:
    """Unit prices in zł to 0.0001 zł; the loader has already checked that no finer digits exist."""
    return to_scaled(prices, PRICE_SCALE)


def format_grosze(grosze: int) -> str:
    """Print an amount of grosze as zł with two decimals, exactly (no float on the way)."""
    sign = "-" if grosze < 0 else ""
    g = abs(int(grosze))
    return f"{sign}{g // 100}.{g % 100:02d}"
