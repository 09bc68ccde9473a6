"""Billing engine benchmark: one monthly run over a synthetic town of 1,000,000 contracts.

The town is built in memory with realistic shares: ~1 % norm-billed premises (no main meter), ~15 %
garden submeters, ~3 % meters the van missed this month (estimates), ~0.2 % faulty meters, ~0.5 %
replaced meters, ~40 % of closing values from the meter's due-date register, mid-October customer
readings for 10 % of meters (a fifth of them with LEAK/BACKFLOW/MAGNET alarms), four months of
reading history per meter, and the previous run's billed registers.

Prints the build time, the engine's wall and CPU time (CPU time tells the engine's own cost when
other work shares the cores), invoice rows per second and peak RSS (resource.getrusage; tracemalloc
would slow a run this size several times).  Target: <= 30 s and <= 8 GiB on 2 cores.

    .venv/bin/python benchmarks/billing_bench.py [--contracts N]
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from billing_rules.engine import bill
from billing_rules.types import BillingInputs
from ingest.billing_inputs import make_rules

PERIOD = "2026-10"


def _ids(prefix: str, numbers: np.ndarray, width: int) -> pd.Series:
    """Text ids such as P0000001 built with Arrow string kernels (numpy.char is slow at this size)."""
    return prefix + pd.Series(numbers).astype(str).str.zfill(width)


def _labels(labels: list[str], codes: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """Text column from label codes; decoding an Arrow dictionary avoids a million Python strings."""
    dictionary = pa.DictionaryArray.from_arrays(pa.array(np.asarray(codes, dtype=np.int32)), pa.array(labels))
    return pd.array(dictionary.dictionary_decode(), dtype="str")


def _const(label: str, n: int) -> pd.api.extensions.ExtensionArray:
    return _labels([label], np.zeros(n, dtype=np.int32))


def _ts(day: str, seconds: np.ndarray) -> np.ndarray:
    return (np.datetime64(day, "s") + seconds.astype("timedelta64[s]")).astype("datetime64[s]")


def build_town(n: int, seed: int = 7) -> BillingInputs:
    """A synthetic town with one contract per premises."""
    rng = np.random.default_rng(seed)
    premises_id = _ids("P", np.arange(1, n + 1), 7)
    norm_billed = rng.random(n) < 0.01
    premises = pd.DataFrame({
        "premises_id": premises_id,
        "address": _const("ul. Testowa 1", n),
        "persons": pd.array(rng.integers(1, 6, n), dtype="Int64"),
        "norm_category": _const("T1-4", n),
        "sewered": rng.random(n) < 0.9,
    })
    contracts = pd.DataFrame({
        "contract_id": _ids("C", np.arange(1, n + 1), 7),
        "customer_id": _ids("K", np.arange(1, n + 1), 7),
        "premises_id": premises_id,
        "tariff_group": _labels(["WROCLAW-2024", "CHELM-SL"], rng.random(n) < 0.5),
        "cycle_months": pd.array(np.ones(n, dtype=np.int64), dtype="Int64"),
        "cycle_anchor_month": pd.array([None] * n, dtype="Int64"),
        "settlement": _labels(["paper", "e-invoice"], rng.random(n) < 0.4),
        "water_service": pd.array(np.ones(n, dtype=bool), dtype="boolean"),
        "sewage_service": pd.array([None] * n, dtype="boolean"),
        "sewage_fixed_m3": np.where(rng.random(n) < 0.005, 3.0, np.nan),
        "start_date": np.full(n, np.datetime64("2015-01-01", "s")),
        "end_date": np.full(n, np.datetime64("NaT", "s")),
    })
    customers = pd.DataFrame({"customer_id": contracts["customer_id"], "name": _const("x", n)})

    # meters: one main per metered premises, 15 % gardens; 0.5 % of mains replaced on 15 Oct
    main_p = np.flatnonzero(~norm_billed)
    garden_p = np.flatnonzero(rng.random(n) < 0.15)
    replaced = main_p[rng.random(len(main_p)) < 0.005]
    m_prem = np.concatenate([main_p, garden_p, replaced])
    role_code = np.concatenate([np.zeros(len(main_p)), np.ones(len(garden_p)), np.zeros(len(replaced))])
    role = np.where(role_code == 1, "garden", "main")
    nm = len(m_prem)
    is_new = np.zeros(nm, dtype=bool)
    is_new[len(main_p) + len(garden_p):] = True
    old_of_new = np.searchsorted(main_p, replaced)  # index of the replaced old meter
    removal = np.full(nm, np.datetime64("NaT", "s"))
    removal[old_of_new] = np.datetime64("2026-10-15", "s")
    install = np.full(nm, np.datetime64("2019-01-01", "s"))
    install[is_new] = np.datetime64("2026-10-16", "s")
    faulty = (rng.random(nm) < 0.002) & ~is_new & (role == "main")
    premises_rate = rng.gamma(2.0, 0.06, n)  # m³/day, mean ~0.12 (3.6 m³/month)
    rate = premises_rate[m_prem]
    garden = role == "garden"
    rate[garden] *= rng.uniform(0.05, 0.4, int(garden.sum()))  # a garden tap takes part of the water
    start_value = rng.uniform(10, 5000, nm).round(3)
    start_value[is_new] = 0.0
    final = np.full(nm, np.nan)
    final[old_of_new] = (start_value[old_of_new] + rate[old_of_new] * (31 + 30 + 31 + 15 + 92)).round(3)
    meters = pd.DataFrame({
        "meter_id": _ids("", rng.permutation(np.arange(1, nm + 1) * 37), 8),
        "premises_id": premises_id.take(m_prem).array,
        "role": _labels(["main", "garden"], role_code),
        "manufacturer": _const("APA", nm),
        "install_date": install,
        "removal_date": removal,
        "initial_m3": start_value,
        "final_m3": final,
        "register_digits": pd.array(np.full(nm, 5), dtype="Int64"),
        "rollover_m3": np.full(nm, 100000.0),
        "legalised_until": np.where(rng.random(nm) < 0.95, np.datetime64("2029-12-31", "s"),
                                    np.datetime64("2026-11-20", "s")),
        "sealed": rng.random(nm) < 0.97,
        "registered": np.ones(nm, dtype=bool),
        "faulty_from": np.where(faulty, np.datetime64("2026-10-10", "s"), np.datetime64("NaT", "s")),
        "faulty_to": np.full(nm, np.datetime64("NaT", "s")),
        "replaces_meter_id": pd.Series([None] * nm, dtype="str"),
    })

    # readings: monthly van passes late Jun..Sep, one pass early November; 3 % missed this month
    day = 86_400
    passes = [("2026-06-27", 0), ("2026-07-28", 0), ("2026-08-27", 0), ("2026-09-28", 0), ("2026-11-02", 1)]
    frames = []
    origin = np.datetime64("2026-06-01", "s")
    missed = rng.random(nm) < 0.03
    for d, after in passes:
        jitter = rng.integers(0, 3 * day, nm)
        at = _ts(d, jitter)
        keep = ~(missed & (after == 1)) & ((~is_new) | (after == 1))
        elapsed = (at - np.where(is_new, np.datetime64("2026-10-16", "s"), origin)).astype(np.int64) / day
        total = (start_value + rate * elapsed).round(3) % 100000.0
        due = (after == 1) & (rng.random(nm) < 0.4)
        target = np.where(due, (start_value + rate * (np.datetime64("2026-11-01", "s") - np.where(
            is_new, np.datetime64("2026-10-16", "s"), origin)).astype(np.int64) / day).round(3), np.nan)
        rows = np.flatnonzero(keep)
        alarms = _labels(["", "LEAK"], rng.random(len(rows)) < 0.01)
        frames.append(pd.DataFrame({
            "meter_id": meters["meter_id"].take(rows).array, "read_at": at[rows], "total_m3": total[rows],
            "target_m3": target[rows],
            "target_date": np.where(due, np.datetime64("2026-10-31", "s"), np.datetime64("NaT", "s"))[rows],
            "source": _const("van", len(rows)), "alarms": alarms,
        }))
    # 10 % of meters also read mid-October (customer self-readings, some telegrams with alarms)
    mid = np.flatnonzero((rng.random(nm) < 0.10) & ~is_new & ~faulty)
    at = _ts("2026-10-14", rng.integers(0, 3 * day, len(mid)))
    elapsed = (at - origin).astype(np.int64) / day
    flags = ["", "LEAK", "BACKFLOW", "MAGNET LOW_BATTERY"]
    frames.append(pd.DataFrame({
        "meter_id": meters["meter_id"].take(mid).array, "read_at": at,
        "total_m3": (start_value[mid] + rate[mid] * elapsed).round(3) % 100000.0,
        "target_m3": np.nan, "target_date": np.datetime64("NaT", "s"), "source": _const("customer", len(mid)),
        "alarms": _labels(flags, np.where(rng.random(len(mid)) < 0.2, rng.integers(1, 4, len(mid)), 0)),
    }))
    readings = pd.concat(frames, ignore_index=True)

    billed_sel = (rng.random(nm) < 0.9) & ~is_new
    billed = pd.DataFrame({
        "meter_id": meters["meter_id"].take(np.flatnonzero(billed_sel)).array,
        "boundary_date": np.full(int(billed_sel.sum()), np.datetime64("2026-09-30", "s")),
        "register_m3": (start_value + rate * 121)[billed_sel].round(3),
        "basis": _const("reading", int(billed_sel.sum())),
    })
    tariffs, abonaments = _example_tariffs()
    empty_periods = pd.DataFrame({"contract_id": pd.Series(dtype=object),
                                  "period_start": pd.Series(dtype="datetime64[s]"),
                                  "period_end": pd.Series(dtype="datetime64[s]")})
    return BillingInputs(customers=customers, premises=premises, contracts=contracts, meters=meters,
                         readings=readings, tariffs=tariffs, abonaments=abonaments,
                         billing_periods=empty_periods, billed_registers=billed)


def _example_tariffs() -> tuple[pd.DataFrame, pd.DataFrame]:
    from ingest.billing_inputs import example_tariffs

    return example_tariffs()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contracts", type=int, default=1_000_000)
    args = parser.parse_args()
    t0 = time.perf_counter()
    town = build_town(args.contracts)
    t1 = time.perf_counter()
    rules = make_rules()
    cpu0 = resource.getrusage(resource.RUSAGE_SELF)
    result = bill(town, rules, PERIOD)
    t2 = time.perf_counter()
    cpu1 = resource.getrusage(resource.RUSAGE_SELF)
    cpu_s = (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    engine_s = t2 - t1
    rows = len(result.lines)
    print(f"contracts: {args.contracts:,}  meters: {len(town.meters):,}  readings: {len(town.readings):,}")
    print(f"build town: {t1 - t0:.1f} s")
    print(f"engine: {engine_s:.1f} s wall, {cpu_s:.1f} s CPU  invoices: {result.lines['contract_id'].nunique():,}  "
          f"lines: {rows:,}  exceptions: {len(result.exceptions):,}")
    print(f"throughput: {rows / engine_s:,.0f} invoice lines/s, {args.contracts / engine_s:,.0f} contracts/s")
    print(f"peak RSS: {peak_kib / 1024 / 1024:.2f} GiB")
    print("exceptions by kind:", result.exceptions["kind"].value_counts().to_dict())
    print("lines by basis:", result.lines.groupby(["item", "basis"]).size().to_dict())


if __name__ == "__main__":
    main()
