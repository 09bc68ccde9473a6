"""The crew's route file for a simulated town: the meters a van should read on the town's last day.

Why a separate file from `radio.csv`: the collector's coverage view takes a plain route list
(`meter_id,address,lat,lon`), the same file a utility would export from its own billing system, so a
test drive exercises exactly the input a crew loads. Meters removed before the day, or installed
after it, send nothing and are left out; the order is the street order of the houses, which is how a
crew reads a paper list.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd

from simulators.town.population import Town

ROUTE_FILE = "route.csv"


def route_frame(town: Town, day: dt.date | None = None) -> pd.DataFrame:
    """One row per meter in service on ``day`` (default: the town's last day)."""
    when = np.datetime64(day or town.end, "s")
    m = town.meters
    # removal_date is the meter's last day in service: it still transmits that day
    live = (m["install_date"] <= when) & (m["removal_date"].isna() | (m["removal_date"] >= when))
    m = m[live].sort_values(["_house", "meter_id"], kind="stable")
    house = m["_house"].to_numpy()
    p = town.premises
    lat = p["_lat"].to_numpy(dtype=float)[house]
    lon = p["_lon"].to_numpy(dtype=float)[house]
    return pd.DataFrame({"meter_id": m["meter_id"].to_numpy(), "address": p["address"].to_numpy()[house],
                         "lat": np.char.mod("%.6f", lat), "lon": np.char.mod("%.6f", lon)})


def write_route(town: Town, out: Path, day: dt.date | None = None) -> int:
    """Write ``out/route.csv``; returns the number of meters on it."""
    frame = route_frame(town, day)
    frame.to_csv(out / ROUTE_FILE, index=False, lineterminator="\n", encoding="utf-8")
    return len(frame)
