"""The demo's ground-truth checks: what the office stored and invoiced against what really happened.

Two questions a utility asks of a reading system: did every telegram the van heard become exactly the
reading the meter sent, and is the invoiced water the water that really flowed? The simulator knows
both answers, so the demo states them as counts rather than as a claim.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

LITRE = 0.001


@dataclass(frozen=True)
class ReadingsCheck:
    heard: int  # distinct telegrams the receiver delivered on the drive
    stored: int  # van readings in the database
    equal: int  # heard telegrams stored with exactly their values
    missing: int
    unexpected: int


@dataclass(frozen=True)
class InvoiceCheck:
    compared: int  # contracts whose main meters were read at both period ends
    equal: int  # invoiced water within a litre per register of the true consumption
    max_diff_m3: float
    total_true_m3: float
    total_invoiced_m3: float


def _key(meter: str, total: str | float | None, target: str | float | None, target_date: str | None) -> tuple:
    def r(v: str | float | None) -> float | None:
        return None if v in (None, "") else round(float(v), 3)

    return meter, r(total), r(target), (str(target_date)[:10] if target_date not in (None, "") else None)


def check_readings(heard_csv: Path, db_url: str) -> ReadingsCheck:
    """Every distinct telegram the drive delivered against the readings stored from the van's frames.

    A family that does not transmit a due-date register (e.g. Apator 16-2) is compared on its total
    only; ``heard.csv`` lists the truth's due-date register for every meter either way.
    """
    from sqlalchemy import create_engine, text

    engine = create_engine(db_url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT meter_id, total_m3, target_m3, target_date FROM readings "
                                 "WHERE source = 'van' AND raw_frame_id IS NOT NULL")).all()
    engine.dispose()
    stored = [_key(*row) for row in rows]
    with_target = {k[0] for k in stored if k[2] is not None}
    with heard_csv.open(newline="") as f:
        heard = {_key(r["meter_id"], r["total_m3"], r["target_m3"] if r["meter_id"] in with_target else None,
                      r["target_date"] if r["meter_id"] in with_target else None) for r in csv.DictReader(f)}
    stored_set = set(stored)
    return ReadingsCheck(heard=len(heard), stored=len(stored), equal=len(heard & stored_set),
                         missing=len(heard - stored_set), unexpected=len(stored_set - heard))


def check_invoices(town_dir: Path, invoices_csv: Path, period: str) -> InvoiceCheck:
    """Invoiced water against `GroundTruth.consumed` for contracts read at both ends by their main meters."""
    import numpy as np
    import pandas as pd

    from simulators.town.folder import open_town

    town, truth, params = open_town(town_dir)
    start = dt.date.fromisoformat(f"{period}-01")
    end = (pd.Timestamp(start) + pd.offsets.MonthEnd(0)).date()
    a, b = (start - params.start).days, (end - params.start).days + 1
    lines = pd.read_csv(invoices_csv, dtype=str, keep_default_na=False)
    # "read at both period ends": the registers frozen at the boundaries, not readings apportioned to them
    water = lines[(lines["item"] == "water") & (lines["basis"] == "due-date register")]
    invoiced = water.groupby("contract_id")["quantity"].apply(lambda q: q.astype(float).sum())
    m = town.meters
    contracts = town.contracts.set_index("contract_id")
    house_of_premises = {p: i for i, p in enumerate(town.premises["premises_id"])}
    compared = equal = 0
    max_diff = total_true = total_inv = 0.0
    for contract_id, qty in invoiced.items():
        house = house_of_premises[contracts.at[contract_id, "premises_id"]]
        rows = np.flatnonzero((m["_house"].to_numpy() == house) & (m["role"].to_numpy() == "main"))
        if not len(rows) or any(truth.install_k[i] > a or truth.removal_k[i] < b for i in rows):
            continue  # replaced or installed inside the period: not a plain two-reading case
        true = float(sum(truth.consumed[i, b] - truth.consumed[i, a] for i in rows))
        diff = abs(true - float(qty))
        compared += 1
        equal += diff <= 2 * LITRE * len(rows) + 1e-9  # each boundary register is truncated to the litre
        max_diff = max(max_diff, diff)
        total_true += true
        total_inv += float(qty)
    return InvoiceCheck(compared, equal, round(max_diff, 4), round(total_true, 3), round(total_inv, 3))
