"""Ground-truth acceptance of billing on a simulated town.

Acceptance point: on a simulator town billed for a month where every meter was read, water and
sewage quantities equal the simulator's true consumption, with estimates and norm-billed premises
listed separately.

The expected quantities come from the simulator's ground-truth arrays (``GroundTruth.consumed`` and,
for magnet tampering only, ``GroundTruth.registered``, both at local midnights), never from the
billing engine nor from readings.csv.  The law applied to them (docs/billing-sources.md): water is the
main meter(s); sewage is the sewage meter if there is one, else network water + own intake − a
garden submeter that is registered, sealed and legalised through the period end (never below 0);
no sewage on unsewered premises; no main meter → norm; faulty main meter → estimate.

"Every meter was read" is checked, not assumed: a billing period runs from 00:00 of its first day
to 00:00 after its last, and the van's readings at 08:00 on month ends cannot hit that to the litre
by themselves. What does is the due-date register each van reading carries (the register the meter
froze at 00:00 on the 1st, as drive-by meters send it; docs/billing-sources.md §6) and the fitter's reading of a
removed meter — both written by the simulator into readings.csv. The test derives from that file
which (meter, midnight) registers billing is told, and asserts every period boundary of every
meter in service is among them before it compares quantities.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import cli_billing
from billing_rules.engine import bill
from ingest.billing_inputs import load_folder
from simulators.town.consumption import GroundTruth, month_ends, simulate, write_readings
from simulators.town.population import Town, build_town, write_town

START, END = dt.date(2026, 1, 1), dt.date(2026, 12, 31)
METERS, SEED = 2000, 3
MONTH = "2026-10"  # the acceptance month
ANCHOR = 12  # settings cycles.default_anchor_month: 2-month cycles Jan-Feb ..., 3-month cycles quarters
HALF_LITRE = 0.0005  # every register billing sees (readings, due-date registers, final_m3) is rounded to 1 l
runner = CliRunner()


def day_index(day: dt.date) -> int:
    """Index of the ground-truth point at 00:00 of ``day``."""
    return (day - START).days


Observed = set[tuple[int, int]]  # (meter row, ground-truth point) whose register billing is told


@dataclass
class Sim:
    town: Town
    truth: GroundTruth
    data: Path
    observed: Observed


def observed_registers(town: Town, readings: pd.DataFrame) -> Observed:
    """(meter row, ground-truth point) pairs whose register the readings file tells billing.

    A due-date register dated D is the register at 00:00 on D + 1; a fitter's removal reading at
    00:00 is the register at that midnight.
    """
    row_of = {m: i for i, m in enumerate(town.meters["meter_id"])}
    observed: Observed = set()
    due = readings[readings["target_date"].fillna("") != ""]
    for meter, date in zip(due["meter_id"], due["target_date"], strict=True):
        observed.add((row_of[meter], day_index(dt.date.fromisoformat(date) + dt.timedelta(days=1))))
    at = pd.to_datetime(readings["read_at"])
    midnight = readings[(at.dt.hour == 0) & (at.dt.minute == 0) & (at.dt.second == 0)]
    for meter, when in zip(midnight["meter_id"], pd.to_datetime(midnight["read_at"]), strict=True):
        observed.add((row_of[meter], day_index(when.date())))
    return observed


@pytest.fixture(scope="module")
def sim(tmp_path_factory: pytest.TempPathFactory) -> Sim:
    """The town exactly as ``amr simulate town`` writes it."""
    root = tmp_path_factory.mktemp("ground_truth")
    town = build_town(METERS, SEED, START, END)
    truth = simulate(town, SEED)
    data = root / "town"
    write_town(town, data)
    read_days = month_ends(START, END)
    write_readings(truth, town, read_days, data / "readings.csv")
    readings = pd.read_csv(data / "readings.csv", dtype=str, keep_default_na=False)
    return Sim(town, truth, data, observed_registers(town, readings))


def expected_periods(town: Town, period: str) -> pd.DataFrame:
    """Contracts whose cycle closes in ``period`` and their period, by the cycle rule (README rule 1)."""
    month = dt.date.fromisoformat(f"{period}-01")
    c = town.contracts
    n = c["cycle_months"].to_numpy()
    closes = np.flatnonzero((month.month - ANCHOR) % n == 0)
    # with anchor 12, a cycle closing in month M began in month M - n + 1 of the same year
    start = np.array([dt.date(month.year, month.month - int(k) + 1, 1) for k in n[closes]])
    contract_start = pd.to_datetime(c["start_date"]).dt.date.to_numpy()[closes]
    end = (pd.Timestamp(month) + pd.offsets.MonthEnd(0)).date()
    return pd.DataFrame({
        "contract_id": c["contract_id"].to_numpy()[closes], "house": closes,
        "period_start": np.maximum(start, contract_start), "period_end": end,
    })


def truth_quantities(sim: Sim, periods: pd.DataFrame) -> pd.DataFrame:
    """Per contract-period, from the ground truth: water, sewage and what billing can or cannot see."""
    town, truth = sim.town, sim.truth
    m = town.meters
    pairs = periods.merge(pd.DataFrame({"house": m["_house"].to_numpy(), "row": np.arange(len(m)),
                                        "role": m["role"].to_numpy()}), on="house")
    i = pairs["row"].to_numpy()
    a = np.array([day_index(d) for d in pairs["period_start"]])
    b = np.array([day_index(d) + 1 for d in pairs["period_end"]])
    lo = np.maximum(a, truth.install_k[i])
    hi = np.minimum(b, truth.removal_k[i])
    pairs = pairs.assign(a=a, b=b, lo=lo, hi=hi).loc[hi > lo]
    i, a, b, lo, hi = (pairs[c].to_numpy() for c in ("row", "a", "b", "lo", "hi"))
    pairs["consumed"] = truth.consumed[i, hi] - truth.consumed[i, lo]
    pairs["registered"] = truth.registered[i, hi] - truth.registered[i, lo]
    # a boundary register is known exactly at installation (initial_m3), removal (final_m3) or a
    # month-end register the meter reported
    pairs["seen"] = [(lo_ == ik or (r, lo_) in sim.observed) and (hi_ == rk or (r, hi_) in sim.observed)
                     for r, lo_, hi_, ik, rk in zip(i, lo, hi, truth.install_k[i], truth.removal_k[i], strict=True)]
    roll = truth.rollover_m3[i]
    pairs["rolled"] = np.floor(truth.registered[i, hi] / roll) != np.floor(truth.registered[i, lo] / roll)
    main = pairs["role"].to_numpy() == "main"
    pairs["replaced"] = main & (truth.removal_k[i] > a) & (truth.removal_k[i] < b)
    faulty_k = m["_faulty_k"].to_numpy()[i]
    pairs["faulty"] = main & (faulty_k >= 0) & (faulty_k < hi)
    mag_a, mag_b = truth.magnet[i, 0], truth.magnet[i, 1]
    pairs["magnet"] = (mag_a >= 0) & (mag_a < hi) & (mag_b > lo)
    # MAGNET is on a van reading taken inside the period while the episode lasts (reads at 08:00)
    read_k = np.array([day_index(d) for d in month_ends(START, END)])
    in_period = (read_k[None, :] >= lo[:, None]) & (read_k[None, :] < hi[:, None])
    in_episode = (read_k[None, :] >= mag_a[:, None]) & (read_k[None, :] < mag_b[:, None])
    pairs["magnet_seen"] = pairs["magnet"].to_numpy() & (in_period & in_episode).any(axis=1)
    legal = pd.to_datetime(m["legalised_until"]).dt.date.to_numpy()[i]
    pairs["deductible"] = ((pairs["role"] == "garden").to_numpy() & m["registered"].to_numpy(dtype=bool)[i]
                           & m["sealed"].to_numpy(dtype=bool)[i] & (legal >= pairs["period_end"].to_numpy()))

    def by_role(role: str, column: str, where: np.ndarray | None = None) -> pd.Series:
        sel = (pairs["role"] == role).to_numpy() if where is None else where
        return pairs.loc[sel].groupby("contract_id")[column].sum()

    out = periods.set_index("contract_id")
    premises = town.premises.set_index("premises_id")
    out["sewered"] = premises["sewered"].to_numpy(dtype=bool)[out["house"].to_numpy()]
    out["temporary"] = premises["_temporary"].to_numpy(dtype=bool)[out["house"].to_numpy()]
    for name in ("consumed", "registered"):
        water = by_role("main", name).reindex(out.index, fill_value=0.0)
        intake = by_role("intake", name).reindex(out.index, fill_value=0.0)
        garden = by_role("garden", name, pairs["deductible"].to_numpy()).reindex(out.index, fill_value=0.0)
        sewer_meter = by_role("sewage", name).reindex(out.index)
        out[f"water_{name}"] = water
        out[f"sewage_{name}"] = np.where(
            ~out["sewered"], 0.0,
            np.where(sewer_meter.notna(), sewer_meter.fillna(0.0), np.maximum(0.0, water + intake - garden)))
    # registers each quantity is made of: the tolerance is half a litre per register
    n_main = (pairs["role"] == "main").groupby(pairs["contract_id"]).sum().reindex(out.index, fill_value=0)
    n_all = pairs.groupby("contract_id").size().reindex(out.index, fill_value=0)
    out["water_tol"] = 2 * HALF_LITRE * n_main + 1e-9
    out["sewage_tol"] = 2 * HALF_LITRE * n_all + 1e-9
    for flag in ("seen", "rolled", "replaced", "faulty", "magnet", "magnet_seen"):
        out[flag] = pairs.groupby("contract_id")[flag].agg("all" if flag == "seen" else "any")
        out[flag] = out[flag].astype("boolean").fillna(flag == "seen").astype(bool)
    out["faulty_meter_ids"] = pairs.loc[pairs["faulty"]].groupby("contract_id")["row"].agg(
        lambda r: frozenset(m["meter_id"].to_numpy()[r])).reindex(out.index)
    return out


def as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Lines or exceptions as the CSV files show them, whether read back or taken from the engine."""
    out = frame.copy()
    for col in out.columns:
        if col in ("period_start", "period_end"):
            out[col] = pd.to_datetime(out[col]).dt.date
        elif col != "quantity":
            out[col] = out[col].astype(str).replace({"nan": ""})
    return out


@dataclass
class Stats:
    compared: int = 0
    water_m3: float = 0.0
    sewage_m3: float = 0.0
    max_water_diff: float = 0.0
    max_sewage_diff: float = 0.0
    replacements: int = 0
    rollovers: int = 0
    unseen: int = 0
    estimates: int = 0
    norms: int = 0
    magnet: int = 0
    magnet_flagged: int = 0
    magnet_lost_m3: float = 0.0

    def add(self, other: Stats) -> None:
        for name, value in vars(other).items():
            mine = getattr(self, name)
            setattr(self, name, max(mine, value) if name.startswith("max_") else mine + value)

    def line(self, label: str) -> str:
        return (f"{label}: {self.compared} contracts compared exactly (water {self.water_m3:.3f} m3, sewage "
                f"{self.sewage_m3:.3f} m3; max |billed - true| water {self.max_water_diff:.4f}, sewage "
                f"{self.max_sewage_diff:.4f} m3; {self.replacements} with a replacement, {self.rollovers} with a "
                f"rollover), {self.unseen} not comparable (a boundary register never read); "
                f"{self.estimates} estimate-billed, {self.norms} norm-billed; magnet: {self.magnet} in period, "
                f"{self.magnet_flagged} flagged, {self.magnet_lost_m3:.3f} m3 not registered")


def check_run(sim: Sim, period: str, lines: pd.DataFrame, exceptions: pd.DataFrame) -> Stats:
    """Every acceptance assertion for one billing run; returns the numbers for the summary."""
    lines, exceptions = as_text(lines), as_text(exceptions)
    want = expected_periods(sim.town, period)
    truth = truth_quantities(sim, want)

    # 1. exactly the contracts whose cycle closes this month, each for its cycle's days
    got = lines.drop_duplicates("contract_id").set_index("contract_id")[["period_start", "period_end"]]
    extra, absent = sorted(set(got.index) - set(truth.index)), sorted(set(truth.index) - set(got.index))
    assert not extra and not absent, (f"{period}: {len(got)} invoices, {len(truth)} contracts close a cycle; "
                                      f"extra {extra[:5]}, missing {absent[:5]}")
    got = got.loc[truth.index]
    bad = (got["period_start"] != truth["period_start"]) | (got["period_end"] != truth["period_end"])
    assert not bad.any(), f"{period}: {int(bad.sum())} invoices with another period, e.g. {got[bad].head(3)}"

    water = lines[lines["item"] == "water"]
    sewage = lines[lines["item"] == "sewage"]
    qty_water = water.groupby("contract_id")["quantity"].sum().reindex(truth.index, fill_value=0.0)
    qty_sewage = sewage.groupby("contract_id")["quantity"].sum().reindex(truth.index, fill_value=0.0)
    kinds = exceptions.groupby("kind")["contract_id"].agg(set)

    def with_kind(kind: str) -> set[str]:
        return kinds.get(kind, set())

    # 2. estimates: exactly the contracts with a faulty main meter in the period, on basis "estimate",
    #    listed in the exceptions report as "estimate", the meters as "faulty_meter"
    faulty = set(truth.index[truth["faulty"]])
    estimated = set(lines.loc[lines["basis"] == "estimate", "contract_id"])
    assert estimated == faulty, f"{period}: {len(estimated)} estimate-billed, {len(faulty)} with a faulty meter"
    assert faulty <= set(water.loc[water["basis"] == "estimate", "contract_id"]), f"{period}: no estimated water"
    assert with_kind("estimate") == faulty, f"{period}: estimate rows {sorted(with_kind('estimate'))}, {sorted(faulty)}"
    faulty_ids = set().union(*truth.loc[truth["faulty"], "faulty_meter_ids"]) if faulty else set()
    listed = set(exceptions.loc[exceptions["kind"] == "faulty_meter", "meter_id"])
    assert listed == faulty_ids, f"{period}: faulty_meter rows {sorted(listed)} != {sorted(faulty_ids)}"

    # 3. norms: exactly the temporary connections (no meter), on basis "norm" only, listed as
    #    "norm_billed"; their sewage is the norm water on sewered premises (art. 27 ust. 4)
    temporary = set(truth.index[truth["temporary"]])
    normed = set(lines.loc[lines["basis"] == "norm", "contract_id"])
    assert normed == temporary, f"{period}: {len(normed)} norm-billed, {len(temporary)} temporary connections"
    assert set(lines.loc[lines["contract_id"].isin(temporary) & (lines["item"] != "abonament"), "basis"]) <= {"norm"}
    assert with_kind("norm_billed") == temporary, (
        f"{period}: norm_billed rows for {len(with_kind('norm_billed'))}, {len(temporary)} temporary connections")
    tmp = truth.loc[truth["temporary"]]
    assert (qty_water[tmp.index] > 0).all(), f"{period}: a temporary connection without norm water"
    expect_sewage = np.where(tmp["sewered"], qty_water[tmp.index], 0.0)
    assert np.allclose(qty_sewage[tmp.index], expect_sewage, atol=1e-9), f"{period}: norm sewage != norm water"
    assert with_kind("estimate").isdisjoint(temporary) and with_kind("norm_billed").isdisjoint(faulty)

    # every meter was read: no boundary without a reading, except where a fault cuts the period
    missing = with_kind("missing_reading")
    assert missing <= faulty, f"{period}: missing_reading on {sorted(missing - faulty)[:5]}"

    # 4. metered contracts whose every boundary register was read: billed = registered, to the litre.
    #    That is the true consumption, except while a magnet held the meter (it registers 20 %):
    #    billing cannot see the lost water, so it bills the registered quantity; the MAGNET alarm on a
    #    van reading inside the period is reported as tamper_alarm (settings alarms), and nothing
    #    else can be.
    metered = truth.loc[~truth["faulty"] & ~truth["temporary"]]
    comparable = metered.loc[metered["seen"]]
    unseen = metered.loc[~metered["seen"]]
    assert unseen.empty, f"{period}: a boundary register of {sorted(unseen.index)[:5]} was never read"
    assert set(lines.loc[lines["contract_id"].isin(metered.index) & (lines["item"] != "abonament"),
                         "basis"]) <= {"reading", "due-date register"}, f"{period}: metered contract not on readings"
    dw = (qty_water[comparable.index] - comparable["water_registered"]).abs()
    ds = (qty_sewage[comparable.index] - comparable["sewage_registered"]).abs()
    off_w = dw > comparable["water_tol"]
    off_s = ds > comparable["sewage_tol"]
    assert not off_w.any(), (f"{period}: water of {int(off_w.sum())} of {len(comparable)} contracts differs from "
                             f"the registered quantity, worst {dw.max():.4f} m3 ({dw.idxmax()})")
    assert not off_s.any(), (f"{period}: sewage of {int(off_s.sum())} of {len(comparable)} contracts differs, worst "
                             f"{ds.max():.4f} m3 ({ds.idxmax()})")
    assert not (comparable.index[~comparable["sewered"]].isin(sewage["contract_id"])).any(), "sewage on unsewered"

    honest = comparable.loc[~comparable["magnet"]]
    true_w = (qty_water[honest.index] - honest["water_consumed"]).abs()
    true_s = (qty_sewage[honest.index] - honest["sewage_consumed"]).abs()
    assert (true_w <= honest["water_tol"]).all(), (
        f"{period}: {int((true_w > honest['water_tol']).sum())} of {len(honest)} contracts: billed water != true "
        f"consumption, worst {true_w.max():.4f} m3 ({true_w.idxmax()})")
    assert (true_s <= honest["sewage_tol"]).all(), (
        f"{period}: {int((true_s > honest['sewage_tol']).sum())} of {len(honest)} contracts: billed sewage != true "
        f"sewage, worst {true_s.max():.4f} m3 ({true_s.idxmax()})")

    magnet = metered.loc[metered["magnet"]]
    lost = magnet["water_consumed"] - magnet["water_registered"]
    assert (lost > magnet["water_tol"]).all(), f"{period}: a magnet episode without lost water: {lost.to_dict()}"
    seen_magnet = set(magnet.index[magnet["magnet_seen"]])
    assert with_kind("tamper_alarm") == seen_magnet, (
        f"{period}: tamper_alarm on {sorted(with_kind('tamper_alarm'))}, MAGNET read on {sorted(seen_magnet)}")

    return Stats(
        compared=len(honest), water_m3=float(qty_water[honest.index].sum()),
        sewage_m3=float(qty_sewage[honest.index].sum()), max_water_diff=float(true_w.max()),
        max_sewage_diff=float(true_s.max()), replacements=int(honest["replaced"].sum()),
        rollovers=int(honest["rolled"].sum()), unseen=len(unseen), estimates=len(faulty), norms=len(temporary),
        magnet=len(magnet), magnet_flagged=len(seen_magnet), magnet_lost_m3=float(lost.sum()))


def test_month_where_every_meter_was_read_bills_the_true_consumption(sim: Sim, tmp_path: Path) -> None:
    """The acceptance run, through ``amr billing run`` and the files it writes."""
    out = tmp_path / "invoices.csv"
    res = runner.invoke(cli_billing.app, ["run", "--period", MONTH, "--data", str(sim.data), "--out", str(out)])
    assert res.exit_code == 0, res.output
    lines = pd.read_csv(out, dtype={"contract_id": str}, keep_default_na=False)
    exceptions = pd.read_csv(tmp_path / "invoices-exceptions.csv", dtype=str, keep_default_na=False)
    stats = check_run(sim, MONTH, lines, exceptions)
    print(stats.line(f"ground truth {MONTH}"))
    invoices = lines["contract_id"].nunique()
    assert stats.compared >= 0.9 * invoices, f"only {stats.compared} of {invoices} invoices compared"
    assert stats.estimates >= 1 and stats.norms >= 1, (
        f"{stats.estimates} estimates, {stats.norms} norm-billed: nothing to list separately, pick another SEED")


def test_every_month_of_the_year(sim: Sim) -> None:
    """The same checks for every run of the year, through the engine: all cycles and quarters, and
    enough replacements, rollovers and magnet episodes inside billed periods to exercise them (one
    month of a small town holds only a few).  December is left out: its closing register (1 January
    2027) would be reported by a reading after the simulated year."""
    inputs, rules = load_folder(sim.data)
    total = Stats()
    for month in range(1, 12):
        period = f"{START.year}-{month:02d}"
        result = bill(inputs, rules, period)
        total.add(check_run(sim, period, result.lines, result.exceptions))
    print(total.line(f"ground truth {START.year}-01..11"))
    assert total.replacements >= 5 and total.rollovers >= 5, (
        f"{total.replacements} replacements, {total.rollovers} rollovers compared in the year")
    assert total.magnet_flagged >= 1, f"{total.magnet} magnet episodes in billed periods, none seen by a reading"
