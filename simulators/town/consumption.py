"""Consumption model and ground truth: the register of every meter of a simulated town at any instant.

Why a precomputed daily series: billing, the drive-by simulator and the tests all ask "what did
meter X show at time t", thousands of times; a (meters × days+1) array of registers at local
midnights, built once with numpy, answers that by linear interpolation within the day.

Model (per house, per day): persons × a personal rate × a mild seasonal wave × gamma noise for the
household; garden watering from May to September on houses with a garden submeter (the water passes
the main meter and the submeter); an own well splits household water between the intake meter and
the main meter; a sewage meter sees 95 % of household water. Episodes on main meters:

* leak — extra flow for some days (recorded and registered; readings carry LEAK);
* backflow — one day with a negative register delta (BACKFLOW);
* magnet tampering — the meter registers only 20 % while the true consumption continues (MAGNET);
  both the registered and the consumed series are kept;
* fault (`faulty_from` in meters.csv) — the register sticks from that day;
* replacement — the old meter stops at its removal (its register there becomes `final_m3`), the new
  meter with a new radio id counts from its `initial_m3`.

Registers roll over at 10**register_digits m³. Day lengths are taken as 24 h (DST ignored), instants
are naive Polish local time as in billing's readings.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from simulators.town.population import Town

BASE_M3_PER_PERSON_DAY = 0.1
GARDEN_MONTHS = (5, 6, 7, 8, 9)
SHARE_LEAK = 0.02
SHARE_BACKFLOW = 0.005
SHARE_MAGNET = 0.005
MAGNET_FACTOR = 0.2
SEWAGE_SHARE = 0.95
READ_START = dt.time(8, 0)
READ_STEP_S = 2  # the van passes one house every 2 s, in street order
BACKFLOW_ALARM_DAYS = 30
EVENT_COLUMNS = ["meter_id", "kind", "start", "end", "m3_per_day"]
READING_COLUMNS = ["meter_id", "read_at", "total_m3", "target_m3", "target_date", "source", "alarms"]


@dataclass
class GroundTruth:
    """Registers (as the meter shows them, unwrapped) and true consumption at local midnights.

    `registered[i, k]` / `consumed[i, k]` are at `start + k days`, NaN outside the meter's service.
    """

    start: dt.datetime
    meter_ids: np.ndarray
    rollover_m3: np.ndarray
    registered: np.ndarray
    consumed: np.ndarray
    install_k: np.ndarray
    removal_k: np.ndarray
    events: pd.DataFrame
    leak: np.ndarray  # (meters, 2) day range [a, b), -1 if none
    magnet: np.ndarray
    backflow_day: np.ndarray

    def __post_init__(self) -> None:
        self._pos = {m: i for i, m in enumerate(self.meter_ids)}

    @property
    def days(self) -> int:
        return self.registered.shape[1] - 1

    def _x(self, when: dt.datetime) -> float:
        x = (when - self.start).total_seconds() / 86_400
        if not 0 <= x <= self.days:
            end = self.start + dt.timedelta(days=self.days)
            raise ValueError(f"{when} is outside the simulated period {self.start} .. {end}")
        return x

    def _interp(self, series: np.ndarray, rows: np.ndarray, x: np.ndarray) -> np.ndarray:
        k = np.minimum(np.floor(x).astype(int), self.days - 1)
        frac = x - k
        here, nxt = series[rows, k], series[rows, k + 1]
        # At a midnight take the point itself: the day after a removal is NaN and must not leak in.
        return np.where(frac == 0, here, here + frac * (nxt - here))

    def _index(self, meter_id: str) -> int:
        try:
            return self._pos[meter_id]
        except KeyError:
            raise KeyError(f"unknown meter {meter_id!r}") from None

    def register_m3(self, meter_id: str, when: dt.datetime) -> float:
        """What the meter's register shows at `when` (after rollover); NaN when not in service."""
        i = self._index(meter_id)
        v = self._interp(self.registered, np.array([i]), np.array([self._x(when)]))[0]
        return float(np.mod(v, self.rollover_m3[i]))

    def consumed_m3(self, meter_id: str, when: dt.datetime) -> float:
        """True water through the meter since the simulation start (or its installation)."""
        i = self._index(meter_id)
        return float(self._interp(self.consumed, np.array([i]), np.array([self._x(when)]))[0])

    def registers_at(self, when: dt.datetime) -> pd.Series:
        """Register of every meter at `when`, indexed by meter_id (NaN: not in service)."""
        rows = np.arange(len(self.meter_ids))
        v = self._interp(self.registered, rows, np.full(len(rows), self._x(when)))
        return pd.Series(np.mod(v, self.rollover_m3), index=pd.Index(self.meter_ids, name="meter_id"),
                         name="register_m3")


def _episodes(rng: np.random.Generator, eligible: np.ndarray, share: float, lo: np.ndarray, hi: np.ndarray,
              min_len: int, max_len: int) -> np.ndarray:
    """[a, b) day ranges inside each meter's service days [lo, hi) for a random `share` of eligible
    meters; -1 for the rest.  An episode on a meter not yet installed or already exchanged would be
    an event no reading could ever show."""
    out = np.full((len(eligible), 2), -1, dtype=int)
    hit = eligible & (rng.random(len(eligible)) < share) & (hi - lo >= 2)
    k = int(hit.sum())
    a = lo[hit] + np.floor(rng.random(k) * (hi[hit] - lo[hit] - 1)).astype(int)
    out[hit, 0] = a
    out[hit, 1] = np.minimum(a + rng.integers(min_len, max_len + 1, k), hi[hit])
    return out


def _range_mask(ranges: np.ndarray, days: int) -> np.ndarray:
    d = np.arange(days)
    return (d >= ranges[:, :1]) & (d < ranges[:, 1:]) & (ranges[:, :1] >= 0)


def _litres(m3: np.ndarray) -> np.ndarray:
    """A register as a meter's display shows it: whole litres, truncated (as the radio frames carry it)."""
    return np.floor(np.asarray(m3) * 1000 + 1e-6) / 1000


def simulate(town: Town, seed: int) -> GroundTruth:
    """Daily flows for every meter, vectorised over (meters × days); also fills `final_m3`."""
    rng = np.random.default_rng([seed, 1])  # a stream of its own: town edits do not shift consumption
    days = town.days
    start = town.start
    dates = np.datetime64(start, "D") + np.arange(days).astype("timedelta64[D]")
    month = dates.astype("datetime64[M]").astype(int) % 12 + 1
    doy = (dates - dates.astype("datetime64[Y]")).astype(int)
    season = 1.0 + 0.1 * np.cos(2 * np.pi * (doy - 200) / 365.25)

    p = town.premises
    n_h = len(p)
    persons = p["persons"].to_numpy(dtype=float)
    rate = persons * BASE_M3_PER_PERSON_DAY * rng.uniform(0.7, 1.3, n_h)
    household = rate[:, None] * season[None, :] * rng.gamma(4.0, 0.25, (n_h, days))
    well_share = rng.uniform(0.3, 0.7, n_h)

    m = town.meters
    house = m["_house"].to_numpy()
    role = m["role"].to_numpy()
    n = len(m)
    has_garden = np.zeros(n_h, dtype=bool)
    has_garden[house[role == "garden"]] = True
    has_intake = np.zeros(n_h, dtype=bool)
    has_intake[house[role == "intake"]] = True
    garden = np.zeros((n_h, days))
    gh = np.flatnonzero(has_garden)
    in_season = np.isin(month, GARDEN_MONTHS)
    watering = rng.random((len(gh), days)) < 0.55  # dry days only
    garden[gh] = rng.uniform(0.1, 0.6, len(gh))[:, None] * watering * in_season[None, :]

    hh = household[house]
    main_flow = np.where(has_intake[house][:, None], hh * (1 - well_share[house])[:, None], hh) + garden[house]
    flow = np.select(
        [role[:, None] == "main", role[:, None] == "garden", role[:, None] == "sewage"],
        [main_flow, garden[house], hh * SEWAGE_SHARE],
        hh * well_share[house][:, None],
    )
    install_k = m["_install_k"].to_numpy()
    removal_k = m["_removal_k"].to_numpy()
    d = np.arange(days)
    in_service = (d >= install_k[:, None]) & (d < removal_k[:, None])
    main = role == "main"

    lo, hi = np.maximum(install_k, 0), np.minimum(removal_k, days)
    leak = _episodes(rng, main, SHARE_LEAK, lo, hi, 3, 45)
    leak_rate = rng.uniform(0.3, 3.0, n)
    flow = flow + _range_mask(leak, days) * leak_rate[:, None]
    back = _episodes(rng, main, SHARE_BACKFLOW, lo, hi, 1, 1)
    back_m3 = rng.uniform(0.02, 0.2, n)
    back_mask = _range_mask(back, days)
    flow = np.where(back_mask, -back_m3[:, None], flow)
    flow = flow * in_service
    registered_flow = flow.copy()
    magnet = _episodes(rng, main & (m["_faulty_k"].to_numpy() < 0), SHARE_MAGNET, lo, hi, 10, 60)
    registered_flow = np.where(_range_mask(magnet, days), registered_flow * MAGNET_FACTOR, registered_flow)
    faulty_k = m["_faulty_k"].to_numpy()
    stuck = (faulty_k[:, None] >= 0) & (d[None, :] >= faulty_k[:, None])
    registered_flow = np.where(stuck, 0.0, registered_flow)

    zeros = np.zeros((n, 1))
    registered = m["_r0"].to_numpy()[:, None] + np.concatenate([zeros, np.cumsum(registered_flow, axis=1)], axis=1)
    consumed = np.concatenate([zeros, np.cumsum(flow, axis=1)], axis=1)
    k = np.arange(days + 1)
    outside = (k < install_k[:, None]) | (k > removal_k[:, None])
    registered[outside] = np.nan
    consumed[outside] = np.nan
    rollover = 10.0 ** m["register_digits"].to_numpy(dtype=float)

    removed = removal_k < days
    final = np.full(n, np.nan)
    final[removed] = _litres(np.mod(registered[removed, removal_k[removed]], rollover[removed]))
    m["final_m3"] = final

    ids = m["meter_id"].to_numpy()
    events = _event_table(ids, start, {"leak": (leak, leak_rate), "backflow": (back, -back_m3),
                                       "magnet": (magnet, np.full(n, MAGNET_FACTOR))})
    back_day = np.where(back[:, 0] >= 0, back[:, 0], -1)
    return GroundTruth(dt.datetime.combine(start, dt.time()), ids, rollover, registered, consumed, install_k,
                       removal_k, events, leak, magnet, back_day)


def _event_table(ids: np.ndarray, start: dt.date, kinds: dict[str, tuple[np.ndarray, np.ndarray]]) -> pd.DataFrame:
    """Episodes as rows (`end` is the last day affected; magnet's m3_per_day is the register factor)."""
    frames = []
    base = np.datetime64(start, "D")
    for kind, (ranges, value) in kinds.items():
        hit = ranges[:, 0] >= 0
        frames.append(pd.DataFrame({
            "meter_id": ids[hit], "kind": kind,
            "start": (base + ranges[hit, 0].astype("timedelta64[D]")).astype(str),
            "end": (base + (ranges[hit, 1] - 1).astype("timedelta64[D]")).astype(str),
            "m3_per_day": np.round(value[hit], 3),
        }))
    return pd.concat(frames, ignore_index=True).sort_values(["meter_id", "kind"], kind="stable",
                                                             ignore_index=True)


def readings_frame(truth: GroundTruth, town: Town, read_days: list[dt.date]) -> pd.DataFrame:
    """One van reading per in-service meter on each of `read_days`, from the ground truth.

    The van starts at 08:00 and passes the houses in street order, READ_STEP_S seconds apart, so a
    reading time depends only on the house; values are the register truncated to the litre. Each van
    reading also carries the due-date register the meter froze at the month end (00:00 on the 1st,
    dated the previous day, as the radio frames of `simulators.drive` carry it), because billing
    periods run midnight to midnight and only that register lets billing hit them to the litre.
    The fitter who removes a meter reads it once more (`source` manual, at the removal instant).
    """
    house = town.meters["_house"].to_numpy()
    offsets = house * READ_STEP_S
    frames = []
    for day in sorted(set(read_days)):
        t0 = dt.datetime.combine(day, READ_START)
        x = (t0 - truth.start).total_seconds() / 86_400 + offsets / 86_400
        ok = (x >= truth.install_k) & (x <= truth.removal_k) & (x >= 0) & (x <= truth.days)
        rows = np.flatnonzero(ok)
        if len(rows) == 0:
            continue
        v = np.mod(truth._interp(truth.registered, rows, x[rows]), truth.rollover_m3[rows])
        kday = np.floor(x[rows]).astype(int)
        alarms = np.full(len(rows), "", dtype=object)
        for name, rng_ in (("LEAK", truth.leak), ("MAGNET", truth.magnet)):
            active = (rng_[rows, 0] >= 0) & (kday >= rng_[rows, 0]) & (kday < rng_[rows, 1])
            alarms = np.where(active, alarms + " " + name, alarms)
        bday = truth.backflow_day[rows]
        recent = (bday >= 0) & (kday >= bday) & (kday - bday <= BACKFLOW_ALARM_DAYS)
        alarms = np.where(recent, alarms + " BACKFLOW", alarms)
        stamp = np.datetime64(t0, "s") + offsets[rows].astype("timedelta64[s]")
        target, target_date = _due_registers(truth, rows, day)
        frames.append(pd.DataFrame({
            "meter_id": truth.meter_ids[rows],
            "read_at": np.datetime_as_string(stamp, unit="s"),
            "total_m3": np.char.mod("%.3f", _litres(v)),
            "target_m3": target, "target_date": target_date,
            "source": "van",
            "alarms": pd.Series(alarms).str.strip().to_numpy(),
        }))
    frames.append(_removal_readings(truth, town))
    return pd.concat(frames, ignore_index=True)


def _due_registers(truth: GroundTruth, rows: np.ndarray, day: dt.date) -> tuple[np.ndarray, np.ndarray]:
    """Register at 00:00 on the 1st of `day`'s month (text, litres) and its date; blank if not in service."""
    due = day.replace(day=1)
    k = (due - truth.start.date()).days
    has = (truth.install_k[rows] <= k) & (k <= truth.removal_k[rows]) & (k >= 0)
    value = _litres(np.mod(truth.registered[rows, max(k, 0)], truth.rollover_m3[rows]))
    text = np.where(has, np.char.mod("%.3f", value), "").astype(object)
    return text, np.where(has, (due - dt.timedelta(days=1)).isoformat(), "").astype(object)


def _removal_readings(truth: GroundTruth, town: Town) -> pd.DataFrame:
    """The fitter's reading of each removed meter: final register and that month's due-date register."""
    rows = np.flatnonzero(truth.removal_k < truth.days)
    start = truth.start.date()
    removed_at = [start + dt.timedelta(days=int(k)) for k in truth.removal_k[rows]]
    target, target_date = [], []
    for i, when in zip(rows, removed_at, strict=True):
        t, d = _due_registers(truth, np.array([i]), when - dt.timedelta(days=1))
        target.append(t[0])
        target_date.append(d[0])
    return pd.DataFrame({
        "meter_id": truth.meter_ids[rows],
        "read_at": [dt.datetime.combine(d, dt.time()).isoformat() for d in removed_at],
        "total_m3": np.char.mod("%.3f", town.meters["final_m3"].to_numpy()[rows]),
        "target_m3": target, "target_date": target_date, "source": "manual", "alarms": "",
    }, columns=READING_COLUMNS)


def month_ends(start: dt.date, end: dt.date) -> list[dt.date]:
    """Last day of every month whose last day lies in [start, end] (the usual read day)."""
    out = []
    month = dt.date(start.year, start.month, 1)
    while month <= end:
        nxt = dt.date(month.year + (month.month == 12), month.month % 12 + 1, 1)
        last = nxt - dt.timedelta(days=1)
        if start <= last <= end:
            out.append(last)
        month = nxt
    return out


def write_readings(truth: GroundTruth, town: Town, read_days: list[dt.date], path: Path) -> int:
    """Write `readings.csv` in the billing loader's format; returns the number of rows."""
    frame = readings_frame(truth, town, read_days)
    frame.to_csv(path, index=False, lineterminator="\n", encoding="utf-8")
    return len(frame)


def write_events(truth: GroundTruth, path: Path) -> int:
    """Ground-truth episodes (leak, backflow, magnet) for tests and the drive-by simulator."""
    truth.events.to_csv(path, index=False, lineterminator="\n", encoding="utf-8")
    return len(truth.events)
