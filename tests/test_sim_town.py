"""Simulated town: determinism, the Polish mix, loader and billing acceptance, ground truth."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import cli_billing
import cli_simulate
from decoders.keystore import KeyStore
from ingest.billing_inputs import load_folder
from simulators.encoder import FAMILIES, MeterState, encode
from simulators.town.consumption import GroundTruth, readings_frame, simulate
from simulators.town.population import Town, build_town

START, END = dt.date(2026, 1, 1), dt.date(2026, 12, 31)
runner = CliRunner()


def _make(out: Path, meters: int = 3000, seed: int = 7, *extra: str) -> None:
    res = runner.invoke(cli_simulate.app, ["town", "--meters", str(meters), "--seed", str(seed),
                                           "--out", str(out), *extra])
    assert res.exit_code == 0, res.output


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("town")
    _make(out)
    return out


@pytest.fixture(scope="module")
def sim() -> tuple[Town, GroundTruth]:
    town = build_town(3000, 7, START, END)
    return town, simulate(town, 7)


def _csv(folder: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(folder / f"{name}.csv", dtype=str, keep_default_na=False)


def test_same_seed_same_bytes(tmp_path: Path, folder: Path) -> None:
    _make(tmp_path / "again")
    _make(tmp_path / "other", 3000, 8)
    names = sorted(p.name for p in folder.iterdir())
    assert names == sorted(p.name for p in (tmp_path / "again").iterdir())
    for name in names:
        assert (folder / name).read_bytes() == (tmp_path / "again" / name).read_bytes(), name
    assert (folder / "meters.csv").read_bytes() != (tmp_path / "other" / "meters.csv").read_bytes()


def test_loader_accepts_the_folder(folder: Path) -> None:
    inputs, _ = load_folder(folder)
    assert len(inputs.meters) == len(_csv(folder, "meters")) <= 3000
    assert len(inputs.meters) > 2900
    assert inputs.meters["meter_id"].str.fullmatch(r"\d{8}").all()
    assert len(inputs.readings) > 10 * len(inputs.meters)


def test_polish_mix(folder: Path) -> None:
    meters, premises = _csv(folder, "meters"), _csv(folder, "premises")
    metered = set(meters.loc[meters["role"] == "main", "premises_id"])
    garden = meters[meters["role"] == "garden"]
    share = garden["premises_id"].nunique() / len(metered)
    assert 0.12 <= share <= 0.18
    assert set(premises["premises_id"]) - metered, "temporary connections without a main meter"
    assert (meters["role"] == "intake").sum() > 20
    assert (meters["role"] == "sewage").sum() > 20
    expired = garden["legalised_until"] < START.isoformat()
    assert 0.05 < expired.mean() < 0.4
    assert (garden["registered"] == "false").any() and (garden["sealed"] == "false").any()
    assert (meters["faulty_from"] != "").sum() >= 3
    assert (meters["replaces_meter_id"] != "").sum() >= 10
    assert (meters["register_digits"] == "4").sum() >= 10
    assert set(premises["sewered"]) == {"true", "false"}
    assert premises["norm_category"].nunique() >= 3


def test_radio_side_matches_the_encoder(folder: Path) -> None:
    radio = _csv(folder, "radio")
    keys = KeyStore.from_csv_text((folder / "keys.csv").read_text(), "keys.csv")
    assert radio["family"].nunique() == len(FAMILIES)
    for family, group in radio.groupby("family"):
        row = group.iloc[0]
        key = keys.lookup(None, row["meter_id"]) or bytes(16)
        assert (keys.lookup(None, row["meter_id"]) is not None) == FAMILIES[family].needs_key
        state = MeterState(row["meter_id"], row["manufacturer"], int(row["version"]), int(row["device_type"]),
                           key=key, total_l=1234)
        assert encode(str(family), state)  # the encoder accepts this identity
    lat, lon = radio["lat"].astype(float), radio["lon"].astype(float)
    assert lat.between(50.0, 50.3).all() and lon.between(18.9, 19.2).all()


def test_ground_truth_monotone_except_backflow(sim: tuple[Town, GroundTruth]) -> None:
    _, truth = sim
    delta = np.diff(truth.registered, axis=1)
    backflow_day = np.zeros_like(delta, dtype=bool)
    hit = truth.backflow_day >= 0
    backflow_day[np.flatnonzero(hit), truth.backflow_day[hit]] = True
    falling = np.nan_to_num(delta) < 0
    assert falling.any()
    assert not (falling & ~backflow_day).any()
    assert (truth.events["kind"] == "backflow").sum() == falling.sum()


def test_magnet_under_registers_while_water_flows(sim: tuple[Town, GroundTruth]) -> None:
    _, truth = sim
    rows = np.flatnonzero(truth.magnet[:, 0] >= 0)
    assert len(rows)
    for i in rows:
        a, b = truth.magnet[i]
        used = truth.consumed[i, b] - truth.consumed[i, a]
        shown = truth.registered[i, b] - truth.registered[i, a]
        assert shown < used * 0.5 or used < 0.5


def test_rollover_wraps(sim: tuple[Town, GroundTruth]) -> None:
    _, truth = sim
    first = truth.registers_at(dt.datetime(2026, 1, 1))
    last = truth.registers_at(dt.datetime(2027, 1, 1))
    small = truth.rollover_m3 == 10_000
    assert (last[small] < first[small]).any()
    assert (last.dropna() < pd.Series(truth.rollover_m3, index=last.index)[last.notna()]).all()


def test_replacement_consistency(sim: tuple[Town, GroundTruth]) -> None:
    town, truth = sim
    m = town.meters.set_index("meter_id")
    new = m[m["replaces_meter_id"].notna()]
    assert len(new) >= 10
    for new_id, row in new.iterrows():
        old = m.loc[row["replaces_meter_id"]]
        assert old["premises_id"] == row["premises_id"] and old["role"] == row["role"]
        assert row["role"] in ("main", "sewage", "intake")
        assert old["removal_date"] == old["legalised_until"]  # exchanged when its legalisation ran out
        removal_end = pd.Timestamp(old["removal_date"]).to_pydatetime() + dt.timedelta(days=1)
        install = pd.Timestamp(row["install_date"]).to_pydatetime()
        assert install == removal_end
        # the fitter notes the register as the display shows it: truncated to the litre
        assert 0 <= truth.register_m3(row["replaces_meter_id"], removal_end) - old["final_m3"] < 1e-3
        assert truth.register_m3(str(new_id), install) == pytest.approx(row["initial_m3"])
        assert np.isnan(truth.register_m3(row["replaces_meter_id"], removal_end + dt.timedelta(hours=1)))
        assert np.isnan(truth.register_m3(str(new_id), install - dt.timedelta(hours=1)))


def test_readings_are_the_ground_truth(sim: tuple[Town, GroundTruth]) -> None:
    town, truth = sim
    reads = readings_frame(truth, town, [dt.date(2026, 6, 30)])
    sample = reads.iloc[:: max(len(reads) // 50, 1)]
    for _, r in sample.iterrows():
        when = dt.datetime.fromisoformat(r["read_at"])
        # the display truncates to the litre, as the radio frames do
        assert 0 <= truth.register_m3(r["meter_id"], when) - float(r["total_m3"]) < 1e-3 + 1e-9
    leaking = set(truth.events.loc[truth.events["kind"] == "leak", "meter_id"])
    assert set(reads.loc[reads["alarms"].str.contains("LEAK"), "meter_id"]) <= leaking


def test_billing_runs_on_the_town(tmp_path: Path) -> None:
    data = tmp_path / "town"
    _make(data, 400, 11)
    out = tmp_path / "inv.csv"
    res = runner.invoke(cli_billing.app, ["run", "--period", "2026-12", "--data", str(data), "--out", str(out)])
    assert res.exit_code == 0, res.output
    lines = pd.read_csv(out, dtype=str)
    contracts = set(_csv(data, "contracts")["contract_id"])
    assert set(lines["contract_id"]) == contracts
    water = lines[lines["item"] == "water"]
    assert set(water["contract_id"]) == contracts
    temporary = set(_csv(data, "premises")["premises_id"]) - set(_csv(data, "meters")["premises_id"])
    norm_billed = set(water.loc[water["basis"] == "norm", "premises_id"])
    assert temporary <= norm_billed


@pytest.mark.parametrize("args", [
    ["--meters", "0"], ["--start", "2026-02-30"], ["--start", "2026-05-01", "--end", "2026-04-01"],
    ["--readings-at", "2030-01-31"], ["--seed", "-1"],
])
def test_bad_arguments_exit_2(tmp_path: Path, args: list[str]) -> None:
    res = runner.invoke(cli_simulate.app, ["town", "--out", str(tmp_path / "x"), *args])
    assert res.exit_code == 2
    assert res.output.strip().startswith("error: ") and len(res.output.strip().splitlines()) == 1


def test_ten_thousand_meters_fast() -> None:
    t0 = time.perf_counter()
    town = build_town(10_000, 1, START, END)
    simulate(town, 1)
    assert len(town.meters) == 10_000
    assert time.perf_counter() - t0 < 10


def test_utility_meters_follow_the_legalisation_schedule(sim: tuple[Town, GroundTruth]) -> None:
    # Cold-water meters are legalised for 5 years and the utility exchanges them when that runs out:
    # on 2026-12-04 only the few it has not reached yet (about 4 %) are past legalisation, never more
    # than half of them; garden submeters are the customers' and about a third have run out.
    town, _ = sim
    m = town.meters
    today = np.datetime64("2026-12-04")
    install = m["install_date"].to_numpy(dtype="datetime64[D]")
    removal = m["removal_date"].to_numpy(dtype="datetime64[D]")
    legal = m["legalised_until"].to_numpy(dtype="datetime64[D]")
    in_service = (install <= today) & (np.isnat(removal) | (removal >= today))
    utility = in_service & m["role"].isin(["main", "sewage", "intake"]).to_numpy()
    assert 0.01 < (legal[utility] < today).mean() < 0.10
    for role in ("main", "sewage", "intake"):
        sel = in_service & (m["role"] == role).to_numpy()
        assert (legal[sel] < today).mean() < 0.15, role
    fresh = ~np.isnat(removal) | (legal >= np.datetime64("2026-01-01"))
    assert ((legal - install).astype(int)[fresh & utility] == 5 * 365 - 1).all()
    main = m["role"] == "main"
    replaced = (m["replaces_meter_id"].notna() & main).sum() / (main & m["replaces_meter_id"].isna()).sum()
    assert 0.12 < replaced < 0.28, replaced  # a fifth of a 5-year fleet per year
    garden = in_service & (m["role"] == "garden").to_numpy()
    assert 0.2 < (legal[garden] < today).mean() < 0.45


def test_customer_numbers_are_six_digits(folder: Path) -> None:
    customers = _csv(folder, "customers")
    assert customers["customer_id"].str.fullmatch(r"[1-9]\d{5}").all()
    assert customers["customer_id"].is_unique
    assert set(_csv(folder, "contracts")["customer_id"]) <= set(customers["customer_id"])
    assert (customers["address"] != "").all()


def test_cli_choice_lists_match_the_simulators() -> None:
    from simulators.dongles import ENCODERS, FAULT_KINDS
    from simulators.dongles.pty import VIRTUAL_DONGLES

    assert tuple(cli_simulate.DONGLES) == tuple(ENCODERS) == tuple(VIRTUAL_DONGLES)
    assert tuple(cli_simulate.FAULTS) == tuple(FAULT_KINDS)


def test_newcomer_cli_refuses_options_that_do_nothing(folder: Path, tmp_path: Path) -> None:
    # --faults shapes a dongle's byte stream, --nmea a second pty: alone they would be silently ignored.
    res = runner.invoke(cli_simulate.app, ["drive", "--town", str(folder), "--out", str(tmp_path / "d"),
                                           "--faults", "garbage=0.01"])
    assert res.exit_code == 2 and res.output.startswith("error: ") and "--dongle" in res.output
    assert not (tmp_path / "d").exists()
    res = runner.invoke(cli_simulate.app, ["dongle", "--town", str(folder), "--out", str(tmp_path / "s.bin"),
                                           "--nmea"])
    assert res.exit_code == 2 and res.output.startswith("error: ") and "--pty" in res.output
    assert not (tmp_path / "s.bin").exists()


def test_newcomer_help_shows_switches_and_every_choice() -> None:
    import re

    res = runner.invoke(cli_simulate.app, ["dongle", "--help"], env={"COLUMNS": "200"}, terminal_width=200)
    assert res.exit_code == 0
    text = res.output
    for flag in ("--pty", "--nmea", "--exit-when-done"):
        line = next(ln for ln in text.splitlines() if f" {flag} " in ln)
        assert "<bool>" not in line, line
    flat = re.sub(r"[\s│]+", " ", text)
    assert ", ".join(cli_simulate.DONGLES) in flat
    assert ", ".join(cli_simulate.FAULTS) in flat
    res = runner.invoke(cli_simulate.app, ["drive", "--help"], env={"COLUMNS": "200"}, terminal_width=200)
    flat = re.sub(r"[\s│]+", " ", res.output)
    assert ", ".join(cli_simulate.DONGLES) in flat and ", ".join(cli_simulate.FAULTS) in flat


def test_cli_modules_do_not_load_pandas_at_import() -> None:
    # `amr --help` must stay fast: the sub-apps load pandas, numpy and the engines only in commands.
    import subprocess
    import sys

    code = ("import sys, cli_billing, cli_simulate; "
            "print(sorted(m for m in ('pandas', 'numpy', 'billing_rules', 'simulators') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parent.parent)
    assert out.stdout.strip() == "[]", out.stdout
