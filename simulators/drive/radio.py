"""Who transmits when, and which transmissions a van's receiver actually hears.

Why a physical model rather than "heard with probability p": testers need the failure shapes a
real drive has — meters in deep pits that are never heard, a neighbouring street heard from
behind the houses, two meters sending at once and the weaker one lost, a meter that only
transmits during business hours missed by an afternoon van. Everything is vectorised over the
half-million transmissions a 10,000-meter drive has within radio range.

Model (numbers in `RadioModel`, all overridable):

* each meter sends every `interval_s` (8–16 s, T1 or C1), with a per-transmission jitter of up
  to ±0.5 s that real meters add so that two meters do not collide forever; a share only
  transmits 08:00–18:00, a share repeats each telegram once (identical bytes, < 1 s later);
* received power = transmit power − log-distance path loss − the meter's installation loss (pit,
  basement, cover; fixed per meter) + Rayleigh fading (fresh per transmission);
* a transmission is heard when it clears the receiver's sensitivity and is at least
  `capture_db` stronger than every transmission overlapping it on air (co-channel capture).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulators.drive.path import Route

SECONDS_PER_DAY = 86_400.0
HEARD, TOO_WEAK, COLLISION = "heard", "too_weak", "collision"
_JITTER_S = 0.5
_NEIGHBOURS = 6  # overlapping transmissions looked at on each side (airtime << spacing)


@dataclass(frozen=True)
class RadioModel:
    """Radio numbers of a drive; defaults give a ~100 m median range for a meter in a pit."""

    tx_power_dbm: float = 10.0  # 10 mW wM-Bus modules (Apator AT-WMBUS-16-2 datasheet)
    path_loss_1m_db: float = 31.2  # free space at 868 MHz, 1 m
    exponent: float = 3.5  # suburban street with houses and fences
    install_loss_db: float = 12.0  # mean extra loss of a meter in a pit or basement
    install_sigma_db: float = 6.0
    sensitivity_dbm: float = -105.0
    capture_db: float = 6.0
    max_range_m: float = 400.0  # beyond this nothing is heard (p < 1e-6 with the defaults)
    interval_s: tuple[float, float] = (8.0, 16.0)
    business_hours_share: float = 0.2
    business_hours: tuple[float, float] = (8 * 3600.0, 18 * 3600.0)
    repeat_share: float = 0.1
    antenna_height_m: float = 2.0


@dataclass(frozen=True)
class Transmitters:
    """Per-meter radio behaviour; times are seconds after the drive day's local midnight."""

    north_m: np.ndarray
    east_m: np.ndarray
    interval_s: np.ndarray
    phase_s: np.ndarray
    salt: np.ndarray  # uint64, seeds the per-transmission jitter
    business_hours: np.ndarray  # bool
    copies: np.ndarray  # 1 or 2
    repeat_gap_s: np.ndarray
    install_loss_db: np.ndarray
    airtime_s: np.ndarray
    on_s: np.ndarray  # in service from (may be < 0)
    off_s: np.ndarray  # in service until (exclusive)


def draw_transmitters(rng: np.random.Generator, north_m: np.ndarray, east_m: np.ndarray, airtime_s: np.ndarray,
                      on_s: np.ndarray, off_s: np.ndarray, model: RadioModel) -> Transmitters:
    n = len(north_m)
    interval = rng.uniform(*model.interval_s, n)
    return Transmitters(
        north_m=north_m, east_m=east_m, interval_s=interval, phase_s=rng.uniform(0.0, 1.0, n) * interval,
        salt=rng.integers(0, 2**32, n, dtype=np.uint64), business_hours=rng.random(n) < model.business_hours_share,
        copies=np.where(rng.random(n) < model.repeat_share, 2, 1), repeat_gap_s=rng.uniform(0.3, 0.9, n),
        install_loss_db=np.maximum(rng.normal(model.install_loss_db, model.install_sigma_db, n), 0.0),
        airtime_s=airtime_s, on_s=on_s, off_s=off_s,
    )


def jitter(salt: np.ndarray, n: np.ndarray) -> np.ndarray:
    """A fixed jitter for transmission `n` of a meter: the same whichever window enumerates it."""
    h = (n.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15) + salt) & np.uint64(0xFFFFFFFF)
    h = (h * np.uint64(0x85EBCA6B)) & np.uint64(0xFFFFFFFF)
    return (h.astype(np.float64) / 2**32 - 0.5) * 2 * _JITTER_S


def _windows(tx: Transmitters, route: Route, start_s: float, r: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(meter, from, to) intervals, in seconds after midnight, while the van is within `r`.

    Each leg of the route is a straight segment; a meter is in range on it between the two
    roots of |p0 + u (p1 - p0) - m|^2 = r^2. Half-open intervals, so legs that meet do not
    count a transmission twice.
    """
    meters, froms, tos = [], [], []
    for leg in range(len(route.t_s) - 1):
        n0, e0 = route.north_m[leg], route.east_m[leg]
        dn, de = route.north_m[leg + 1] - n0, route.east_m[leg + 1] - e0
        pn, pe = n0 - tx.north_m, e0 - tx.east_m
        near = (np.minimum(pn, pn + dn) <= r) & (np.maximum(pn, pn + dn) >= -r)
        idx = np.flatnonzero(near)
        a = dn * dn + de * de
        b = 2 * (dn * pn[idx] + de * pe[idx])
        c = pn[idx] ** 2 + pe[idx] ** 2 - r * r
        disc = b * b - 4 * a * c
        ok = disc > 0
        sq = np.sqrt(np.where(ok, disc, 0.0))
        u0 = np.clip((-b - sq) / (2 * a), 0.0, 1.0)
        u1 = np.clip((-b + sq) / (2 * a), 0.0, 1.0)
        ok &= u1 > u0
        t0, t1 = route.t_s[leg], route.t_s[leg + 1]
        meters.append(idx[ok])
        froms.append(start_s + t0 + u0[ok] * (t1 - t0))
        tos.append(start_s + t0 + u1[ok] * (t1 - t0))
    return np.concatenate(meters), np.concatenate(froms), np.concatenate(tos)


@dataclass(frozen=True)
class Transmissions:
    """Every transmission within radio range: who, which (n), when, how it was received."""

    meter: np.ndarray
    n: np.ndarray
    copy: np.ndarray
    t_s: np.ndarray
    distance_m: np.ndarray
    rssi_dbm: np.ndarray
    outcome: np.ndarray


def _sends(tx: Transmitters, meter: np.ndarray, t: np.ndarray, model: RadioModel) -> np.ndarray:
    """Whether the meter is transmitting at `t`: in service and, for some, business hours only."""
    ok = (t >= tx.on_s[meter]) & (t < tx.off_s[meter])
    day_s = np.mod(t, SECONDS_PER_DAY)
    in_hours = (day_s >= model.business_hours[0]) & (day_s < model.business_hours[1])
    return ok & (~tx.business_hours[meter] | in_hours)


def in_range(tx: Transmitters, route: Route, start_s: float, model: RadioModel,
             rng: np.random.Generator) -> Transmissions:
    """Enumerate the transmissions sent while the van was within range, and receive them."""
    wm, wa, wb = _windows(tx, route, start_s, model.max_range_m)
    interval, phase = tx.interval_s[wm], tx.phase_s[wm]
    lo = np.ceil((wa - phase - _JITTER_S) / interval).astype(np.int64)
    hi = np.floor((wb - phase + _JITTER_S) / interval).astype(np.int64)
    count = np.maximum(hi - lo + 1, 0)
    rep = np.repeat(np.arange(len(wm)), count)
    n = lo[rep] + (np.arange(len(rep)) - np.repeat(np.cumsum(count) - count, count))
    meter = wm[rep]
    t = tx.phase_s[meter] + n * tx.interval_s[meter] + jitter(tx.salt[meter], n)
    keep = (t >= wa[rep]) & (t < wb[rep]) & _sends(tx, meter, t, model)
    meter, n, t = meter[keep], n[keep], t[keep]
    second = tx.copies[meter] == 2
    meter = np.concatenate([meter, meter[second]])
    copy = np.concatenate([np.zeros(len(n), dtype=np.int8), np.ones(int(second.sum()), dtype=np.int8)])
    t = np.concatenate([t, t[second] + tx.repeat_gap_s[meter[len(n):]]])
    n = np.concatenate([n, n[second]])
    order = np.lexsort((copy, meter, t))
    meter, n, copy, t = meter[order], n[order], copy[order], t[order]

    vn, ve = route.position(t - start_s)
    flat = np.hypot(vn - tx.north_m[meter], ve - tx.east_m[meter])
    distance = np.hypot(flat, model.antenna_height_m)
    fading = 10 * np.log10(np.maximum(rng.exponential(1.0, len(t)), 1e-6))
    rssi = (model.tx_power_dbm - model.path_loss_1m_db - 10 * model.exponent * np.log10(distance)
            - tx.install_loss_db[meter] + fading)
    outcome = np.where(rssi >= model.sensitivity_dbm, HEARD, TOO_WEAK).astype(object)
    lost = _collided(t, tx.airtime_s[meter], rssi, model)
    outcome[(outcome == HEARD) & lost] = COLLISION
    return Transmissions(meter, n, copy, t, flat, rssi, outcome)


def _collided(t: np.ndarray, airtime: np.ndarray, rssi: np.ndarray, model: RadioModel) -> np.ndarray:
    """True where an overlapping transmission comes within `capture_db` of this one's power.

    `t` is sorted; airtimes are milliseconds and meters send seconds apart, so looking a few
    transmissions either side finds every overlap.
    """
    end = t + airtime
    worst = np.full(len(t), -np.inf)
    for k in range(1, _NEIGHBOURS + 1):
        if k >= len(t):
            break
        overlap = (t[k:] < end[:-k]) & (t[:-k] < end[k:])
        worst[k:] = np.where(overlap, np.maximum(worst[k:], rssi[:-k]), worst[k:])
        worst[:-k] = np.where(overlap, np.maximum(worst[:-k], rssi[k:]), worst[:-k])
    return rssi - worst < model.capture_db


def count_sent(tx: Transmitters, t0: float, t1: float, model: RadioModel) -> np.ndarray:
    """Nominal transmissions per meter in [t0, t1) (copies included), counted, not enumerated.

    Jitter is left out, so a meter may be off by one at the edges of the drive; the drive lies
    within one day (the caller checks).
    """
    a = np.maximum(t0, tx.on_s)
    b = np.minimum(t1, tx.off_s)
    day0 = t0 - np.mod(t0, SECONDS_PER_DAY)
    a = np.where(tx.business_hours, np.maximum(a, day0 + model.business_hours[0]), a)
    b = np.where(tx.business_hours, np.minimum(b, day0 + model.business_hours[1]), b)
    first = np.ceil((a - tx.phase_s) / tx.interval_s)
    last = np.ceil((b - tx.phase_s) / tx.interval_s) - 1
    return np.maximum(last - first + 1, 0).astype(np.int64) * tx.copies
