"""A simulated drive: the van's route, every transmission near it, the frames its receiver hears.

This ties the town's ground truth to the radio: each heard frame is the exact telegram the
meter's family encodes for the register the meter shows at that instant (litres, truncated as
a meter display does), its due-date value, flow and alarms. The result is what a tester compares
the collector and ingest against — what was sent, what should have been heard, and the true
registers — so "nothing lost" can be checked frame by frame.

Pure: no files and no clock (writing is in `simulators.drive.output`). The same town, seed and spec give
the same frames byte for byte.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from decoders.alarms import ALARM, BACKFLOW, LEAK, MAGNET, PERMANENT_ERROR, TAMPER
from simulators.dongles import Reception
from simulators.drive.path import Route, Track, gps_track, serpentine
from simulators.drive.radio import (
    HEARD,
    RadioModel,
    Transmissions,
    Transmitters,
    count_sent,
    draw_transmitters,
    in_range,
)
from simulators.encoder import FAMILIES, MeterState, encode, random_state
from simulators.town.consumption import BACKFLOW_ALARM_DAYS, GroundTruth
from simulators.town.layout import to_latlon, to_metres
from simulators.town.population import Town

LOCAL = ZoneInfo("Europe/Warsaw")
C1_FAMILIES = frozenset(("kamwater", "kamwater-compact"))  # Kamstrup sends C1; the rest T1
FRAME_FORMAT = {"T1": "A", "C1": "B"}
# What the ground truth knows, and which of a family's alarm bits shows it (first one it has).
ALARM_CHOICES = {"leak": (LEAK, ALARM), "backflow": (BACKFLOW, ALARM), "magnet": (MAGNET, TAMPER, ALARM),
                 "fault": (PERMANENT_ERROR,)}


@dataclass(frozen=True)
class DriveSpec:
    """When and how the van drives; `seed` drives schedules, fading and GPS noise."""

    day: dt.date
    start: dt.time = dt.time(8, 0)
    speed_kmh: float = 30.0
    seed: int = 1
    radio: RadioModel = field(default_factory=RadioModel)


@dataclass
class Drive:
    """Everything a drive produced. Tables use naive Polish local time, as billing readings do."""

    spec: DriveSpec
    started_at: dt.datetime
    route: Route
    track: Track
    sent: pd.DataFrame
    heard: pd.DataFrame
    coverage: pd.DataFrame
    frames: list[bytes]  # CRC-free frames, aligned with `heard` rows
    summary: dict[str, float | int | str]

    @property
    def started_utc(self) -> dt.datetime:
        """Drive time zero as an aware UTC instant (what dongles and GPS pucks timestamp in)."""
        return self.started_at.replace(tzinfo=LOCAL).astimezone(dt.UTC)

    def receptions(self, link_modes: Iterable[str] | None = None) -> list[tuple[bytes, Reception]]:
        """Heard frames as a dongle listening on `link_modes` (None: all) would receive them."""
        wanted = None if link_modes is None else frozenset(link_modes)
        out = []
        h = self.heard
        for frame, at, rssi, mode, lqi in zip(self.frames, h["_at"], h["rssi_dbm"], h["link_mode"], h["_lqi"],
                                              strict=True):
            if wanted is None or mode in wanted:
                out.append((frame, Reception(rssi_dbm=float(rssi), link_mode=mode, frame_format=FRAME_FORMAT[mode],
                                             at=at, lqi=int(lqi))))
        return out


def _airtimes(families: np.ndarray) -> np.ndarray:
    """Seconds on air per meter: T1 is 3-of-6 coded (12 chips a byte), C1 NRZ, both 100 kchip/s."""
    rng = random.Random(0)
    per_family = {}
    for name in FAMILIES:
        mode = "C1" if name in C1_FAMILIES else "T1"
        size = len(encode(name, random_state(name, rng, alarm_rate=0.0), crc=FRAME_FORMAT[mode]))
        per_family[name] = (size * 12 + 90) / 100e3 if mode == "T1" else (size * 8 + 96) / 100e3
    return np.array([per_family[f] for f in families])


def _local_stamp(day: dt.date, seconds: np.ndarray) -> np.ndarray:
    base = np.datetime64(dt.datetime.combine(day, dt.time()), "ms")
    return base + np.round(seconds * 1000).astype("timedelta64[ms]")


def _iso(stamps: np.ndarray) -> np.ndarray:
    return np.datetime_as_string(stamps, unit="ms")


def _alarm_names(truth: GroundTruth, town: Town, rows: np.ndarray, kday: np.ndarray) -> list[frozenset[str]]:
    """Ground-truth conditions per frame, mapped to the first alarm bit each family can send."""
    active = {
        "leak": (truth.leak[rows, 0] >= 0) & (kday >= truth.leak[rows, 0]) & (kday < truth.leak[rows, 1]),
        "magnet": (truth.magnet[rows, 0] >= 0) & (kday >= truth.magnet[rows, 0]) & (kday < truth.magnet[rows, 1]),
        "backflow": (truth.backflow_day[rows] >= 0) & (kday >= truth.backflow_day[rows])
        & (kday - truth.backflow_day[rows] <= BACKFLOW_ALARM_DAYS),
        "fault": (town.meters["_faulty_k"].to_numpy()[rows] >= 0)
        & (kday >= town.meters["_faulty_k"].to_numpy()[rows]),
    }
    families = town.meters["family"].to_numpy()[rows]
    out = []
    for j in range(len(rows)):
        can = FAMILIES[families[j]].alarms
        names = {next((c for c in choices if c in can), "") for cond, choices in ALARM_CHOICES.items()
                 if active[cond][j]}
        out.append(frozenset(names - {""}))
    return out


def _values(truth: GroundTruth, rows: np.ndarray, x: np.ndarray, day: dt.date) -> dict[str, Any]:
    """Register (litres, truncated, rolled over), due-date register and date, flow per frame."""
    rollover_l = np.round(truth.rollover_m3[rows] * 1000).astype(np.int64)
    reg = truth._interp(truth.registered, rows, x)
    total_l = np.mod(np.floor(reg * 1000 + 1e-6).astype(np.int64), rollover_l)
    # Due date: the end of the previous month (end-of-day register = 00:00 on the 1st), or the
    # day before installation for a meter installed since.
    xm = (dt.date(day.year, day.month, 1) - truth.start.date()).days
    due_k = np.clip(np.maximum(xm, truth.install_k[rows]), 0, truth.days)
    target_l = np.mod(np.floor(truth._interp(truth.registered, rows, due_k.astype(float)) * 1000 + 1e-6)
                      .astype(np.int64), rollover_l)
    first = truth.start.date().toordinal()
    target_date = [dt.date.fromordinal(first + int(k) - 1) for k in due_k]
    k = np.minimum(np.floor(x).astype(int), truth.days - 1)
    daily = truth.registered[rows, k + 1] - truth.registered[rows, k]
    flow_lph = np.clip(np.nan_to_num(daily) * 1000 / 24, 0, 32_767).astype(np.int64)
    return {"total_l": total_l, "target_l": target_l, "flow_lph": flow_lph, "target_date": target_date}


def simulate_drive(town: Town, truth: GroundTruth, spec: DriveSpec) -> Drive:
    """Drive the whole town once along the serpentine route."""
    day_k = (spec.day - truth.start.date()).days
    rng = np.random.default_rng([spec.seed, 2, spec.day.toordinal()])
    route = serpentine(len(town.premises), spec.speed_kmh)
    start_s = spec.start.hour * 3600 + spec.start.minute * 60 + spec.start.second
    end_s = start_s + route.duration_s
    if day_k < 0 or day_k + end_s / 86_400 > truth.days:
        last = truth.start.date() + dt.timedelta(days=truth.days - 1)
        raise ValueError(f"a drive on {spec.day} from {spec.start} ({route.duration_s / 3600:.1f} h) does not fit "
                         f"in the town's simulated period {truth.start.date()} .. {last}")
    if end_s > 86_400:
        raise ValueError(f"the drive takes {route.duration_s / 3600:.1f} h and would run past midnight; "
                         f"start earlier or drive faster")

    m = town.meters
    house = m["_house"].to_numpy()
    north, east = to_metres(town.premises["_lat"].to_numpy()[house], town.premises["_lon"].to_numpy()[house])
    families = m["family"].to_numpy()
    on_s = (truth.install_k - day_k) * 86_400.0
    off_s = (truth.removal_k - day_k) * 86_400.0
    tx = draw_transmitters(rng, north, east, _airtimes(families), on_s, off_s, spec.radio)
    track = gps_track(route, rng)
    seen = in_range(tx, route, start_s, spec.radio, rng)
    counters = rng.integers(0, 2**31, len(m))

    heard_idx = np.flatnonzero(seen.outcome == HEARD)
    frames, heard = _heard_frames(town, truth, spec, tx, seen, heard_idx, counters, route, start_s)
    sent = pd.DataFrame({
        "sent_at": _iso(_local_stamp(spec.day, seen.t_s)), "meter_id": m["meter_id"].to_numpy()[seen.meter],
        "copy": seen.copy, "link_mode": np.where(np.isin(families[seen.meter], list(C1_FAMILIES)), "C1", "T1"),
        "distance_m": np.round(seen.distance_m, 1), "rssi_dbm": np.round(seen.rssi_dbm, 1),
        "outcome": seen.outcome,
    })
    coverage = _coverage(town, truth, tx, seen, heard, day_k, start_s, end_s, spec)
    summary = _summary(spec, route, coverage, seen, heard)
    started = dt.datetime.combine(spec.day, spec.start)
    return Drive(spec, started, route, track, sent, heard, coverage, frames, summary)


def _heard_frames(town: Town, truth: GroundTruth, spec: DriveSpec, tx: Transmitters, seen: Transmissions,
                  idx: np.ndarray,
                  counters: np.ndarray, route: Route, start_s: float) -> tuple[list[bytes], pd.DataFrame]:
    """Encode each heard transmission (a repeat reuses its original's bytes)."""
    m = town.meters
    rows = seen.meter[idx]
    t = seen.t_s[idx]
    n = seen.n[idx]
    day_k = (spec.day - truth.start.date()).days
    # A repeat carries the values of the original transmission, so compute them at its time.
    x = day_k + (t - tx.repeat_gap_s[rows] * seen.copy[idx]) / 86_400
    vals = _values(truth, rows, x, spec.day)
    alarms = _alarm_names(truth, town, rows, np.floor(x).astype(int))
    ids, mans = m["meter_id"].to_numpy(), m["manufacturer"].to_numpy()
    vers, types, keys = m["version"].to_numpy(), m["device_type"].to_numpy(), m["key"].to_numpy()
    families = m["family"].to_numpy()
    due_dates = [d.isoformat() for d in vals["target_date"]]
    frames: list[bytes] = []
    cache: dict[tuple[int, int], bytes] = {}
    for j in range(len(idx)):
        i, nj = int(rows[j]), int(n[j])
        frame = cache.get((i, nj))
        if frame is None:
            state = MeterState(
                meter_id=ids[i], manufacturer=mans[i], version=int(vers[i]), device_type=int(types[i]),
                key=bytes.fromhex(keys[i]), access_counter=int(counters[i] + nj) & 0xFFFFFFFF,
                total_l=int(vals["total_l"][j]), target_l=int(vals["target_l"][j]),
                target_date=vals["target_date"][j], flow_lph=int(vals["flow_lph"][j]), alarms=alarms[j])
            frame = cache[(i, nj)] = encode(families[i], state)
        frames.append(frame)
    vn, ve = route.position(t - start_s)
    lat, lon = to_latlon(vn, ve)
    mode = np.where(np.isin(families[rows], list(C1_FAMILIES)), "C1", "T1")
    local = _local_stamp(spec.day, t)
    utc = [dt.datetime.fromisoformat(s).replace(tzinfo=LOCAL).astimezone(dt.UTC) for s in _iso(local)]
    rssi = np.round(seen.rssi_dbm[idx], 1)
    heard = pd.DataFrame({
        "received_at": _iso(local), "meter_id": ids[rows], "family": families[rows], "manufacturer": mans[rows],
        "link_mode": mode, "frame_format": [FRAME_FORMAT[v] for v in mode], "rssi_dbm": rssi,
        "distance_m": np.round(seen.distance_m[idx], 1), "copy": seen.copy[idx],
        "lat": np.round(lat, 6), "lon": np.round(lon, 6),
        "total_m3": vals["total_l"] / 1000, "target_m3": vals["target_l"] / 1000, "target_date": due_dates,
        "flow_m3h": vals["flow_lph"] / 1000, "alarms": [" ".join(sorted(a)) for a in alarms],
        "frame": [f.hex().upper() for f in frames],
        "_at": utc, "_lqi": np.clip(np.round(-rssi - 50), 0, 127).astype(int),
    })
    return frames, heard


def _coverage(town: Town, truth: GroundTruth, tx: Transmitters, seen: Transmissions, heard: pd.DataFrame, day_k: int,
              start_s: float, end_s: float, spec: DriveSpec) -> pd.DataFrame:
    """Per meter: how often it sent, was in range and was heard; true registers at the drive's ends."""
    m = town.meters
    n = len(m)
    sent = count_sent(tx, start_s, end_s, spec.radio)
    in_range_n = np.bincount(seen.meter, minlength=n)
    heard_rows = seen.meter[seen.outcome == HEARD]
    heard_n = np.bincount(heard_rows, minlength=n)
    first = heard.groupby("meter_id", sort=False)["received_at"].min()
    best = heard.groupby("meter_id", sort=False)["rssi_dbm"].max()
    first_total = heard.drop_duplicates("meter_id").set_index("meter_id")["total_m3"]
    rows = np.arange(n)

    def register(seconds: float) -> np.ndarray:
        x = np.full(n, day_k + seconds / 86_400)
        return np.round(np.mod(truth._interp(truth.registered, rows, x), truth.rollover_m3), 3)

    ids = m["meter_id"]
    addresses = town.premises["address"].to_numpy()[m["_house"].to_numpy()]
    return pd.DataFrame({
        "meter_id": ids, "premises_id": m["premises_id"], "address": addresses, "role": m["role"],
        "family": m["family"], "link_mode": np.where(m["family"].isin(C1_FAMILIES), "C1", "T1"),
        "business_hours_only": tx.business_hours,
        "sent": sent, "in_range": in_range_n, "heard": heard_n,
        "first_heard_at": ids.map(first).fillna("").to_numpy(),
        "best_rssi_dbm": ids.map(best).to_numpy(),
        "first_heard_total_m3": ids.map(first_total).to_numpy(),
        "register_start_m3": register(start_s), "register_end_m3": register(end_s),
    })


def _summary(spec: DriveSpec, route: Route, coverage: pd.DataFrame, seen: Transmissions,
             heard: pd.DataFrame) -> dict[str, float | int | str]:
    sending = coverage["sent"] > 0
    heard_any = coverage["heard"] > 0
    outcome = pd.Series(seen.outcome).value_counts()
    return {
        "day": spec.day.isoformat(), "start": spec.start.isoformat(), "speed_kmh": spec.speed_kmh,
        "seed": spec.seed, "duration_h": round(route.duration_s / 3600, 3),
        "distance_km": round(route.duration_s * spec.speed_kmh / 3600, 3),
        "meters": len(coverage), "meters_sending": int(sending.sum()), "meters_heard": int(heard_any.sum()),
        "meters_missed": int((sending & ~heard_any).sum()),
        "transmissions_sent": int(coverage["sent"].sum()), "transmissions_in_range": len(seen.t_s),
        "frames_heard": len(heard), "repeats_heard": int((heard["copy"] == 1).sum()),
        "too_weak": int(outcome.get("too_weak", 0)), "collisions": int(outcome.get("collision", 0)),
    }
