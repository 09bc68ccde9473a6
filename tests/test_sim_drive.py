"""Simulated drives: the frames heard carry the ground truth, the radio model holds, same seed same bytes."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import cli_simulate
from decoders.decoder import Decoder
from decoders.keystore import KeyStore
from simulators.dongles import ENCODERS, build_stream
from simulators.drive import Drive, DriveSpec, simulate_drive
from simulators.drive.nmea import parse_position
from simulators.drive.output import nmea_lines
from simulators.drive.path import serpentine
from simulators.drive.radio import RadioModel
from simulators.town.consumption import GroundTruth, simulate
from simulators.town.layout import to_metres
from simulators.town.population import Town, build_town

START, END = dt.date(2026, 1, 1), dt.date(2026, 12, 31)
DAY = dt.date(2026, 10, 30)
runner = CliRunner()


@pytest.fixture(scope="module")
def sim() -> tuple[Town, GroundTruth]:
    town = build_town(800, 11, START, END)
    return town, simulate(town, 11)


@pytest.fixture(scope="module")
def drive(sim: tuple[Town, GroundTruth]) -> Drive:
    return simulate_drive(*sim, DriveSpec(day=DAY, seed=5))


def _keys(town: Town) -> KeyStore:
    keys = KeyStore()
    for meter_id, key in zip(town.meters["meter_id"], town.meters["key"], strict=True):
        keys.add(meter_id, bytes.fromhex(key))
    return keys


def test_every_heard_frame_decodes_to_the_ground_truth(sim: tuple[Town, GroundTruth], drive: Drive) -> None:
    town, truth = sim
    decoder = Decoder(keys=_keys(town))
    heard = drive.heard
    assert len(heard) > 1000 and heard["family"].nunique() == 7, heard["family"].value_counts()
    with_alarms = 0
    for frame, row in zip(drive.frames, heard.itertuples(), strict=True):
        t = decoder.decode(frame).to_json()
        assert t["id"] == row.meter_id and t["total_m3"] == pytest.approx(row.total_m3, abs=1e-9), row
        if "target_m3" in t:
            assert (t["target_m3"], t["target_date"]) == (pytest.approx(row.target_m3, abs=1e-9), row.target_date)
        assert sorted(t["alarms"]) == sorted(row.alarms.split()), row
        with_alarms += bool(row.alarms)
        at = dt.datetime.fromisoformat(row.received_at)
        if row.copy == 0:  # a repeat carries its original's (slightly older) values
            true = truth.register_m3(row.meter_id, at)
            assert 0 <= true - row.total_m3 < 0.001 + 1e-9, (row.meter_id, true, row.total_m3)
    assert with_alarms > 0, "no frame carried an alarm; the town's leaks/backflows never reached the radio"


def test_radio_outcomes_follow_the_model(drive: Drive) -> None:
    model = RadioModel()
    sent = drive.sent
    heard = sent["outcome"] == "heard"
    assert (sent.loc[heard, "rssi_dbm"] >= model.sensitivity_dbm - 0.05).all()
    assert (sent.loc[sent["outcome"] == "too_weak", "rssi_dbm"] < model.sensitivity_dbm + 0.05).all()
    assert heard.sum() == len(drive.heard)
    assert (sent["distance_m"] <= model.max_range_m + 10).all()  # a repeat leaves < 1 s later
    # Every collision overlaps in time with another transmission in range (airtime is milliseconds).
    t = pd.to_datetime(sent["sent_at"]).astype("int64").to_numpy() / 1e9
    lost = np.flatnonzero(sent["outcome"].to_numpy() == "collision")
    assert len(lost) > 0
    for i in lost:
        others = np.abs(t - t[i]) < 0.02
        others[i] = False
        assert others.any(), f"collision at {sent['sent_at'][i]} without an overlapping transmission"
    # Closer meters are heard more often: the reception rate falls with distance.
    bands = pd.cut(sent["distance_m"], [0, 50, 100, 200, 400])
    rate = heard.groupby(bands, observed=True).mean()
    assert list(rate) == sorted(rate, reverse=True) and rate.iloc[0] > 0.5 > rate.iloc[-1], rate


def test_repeats_are_identical_frames(drive: Drive) -> None:
    h = drive.heard
    assert (h["copy"] == 1).sum() > 0
    originals = h[h["copy"] == 0].set_index(["meter_id", "received_at"])
    pairs = 0
    for row in h[h["copy"] == 1].itertuples():
        before = h[(h["meter_id"] == row.meter_id) & (h["copy"] == 0)]
        gap = (pd.to_datetime(row.received_at) - pd.to_datetime(before["received_at"])).dt.total_seconds()
        match = before[(gap > 0) & (gap < 1.0)]
        if len(match):
            pairs += 1
            assert match["frame"].iloc[-1] == row.frame
    assert pairs > 0 and len(originals) > pairs


def test_coverage_and_summary_agree(drive: Drive) -> None:
    c, s = drive.coverage, drive.summary
    assert (c["heard"] <= c["in_range"]).all()
    assert c["heard"].sum() == s["frames_heard"] == len(drive.heard)
    missed = c[(c["sent"] > 0) & (c["heard"] == 0)]
    assert len(missed) == s["meters_missed"] and 0 < s["meters_missed"] < 0.1 * s["meters_sending"]
    assert s["meters_heard"] + s["meters_missed"] == s["meters_sending"]
    assert (c.loc[c["sent"] == 0, "heard"] == 0).all()


def test_first_heard_register_lies_between_the_drive_ends(sim: tuple[Town, GroundTruth], drive: Drive) -> None:
    town, truth = sim
    c = drive.coverage
    steady = (truth.backflow_day < 0) & (town.meters["register_digits"].to_numpy() == 5)  # no backflow, no wrap
    h = c[(c["heard"] > 0) & steady]
    first = h["first_heard_total_m3"]
    ok = (first >= h["register_start_m3"] - 0.0011) & (first <= h["register_end_m3"] + 1e-9)
    assert ok.all(), h.loc[~ok, ["meter_id", "register_start_m3", "first_heard_total_m3", "register_end_m3"]]


def test_business_hours_meters_are_silent_after_six(sim: tuple[Town, GroundTruth]) -> None:
    late = simulate_drive(*sim, DriveSpec(day=DAY, start=dt.time(17, 30), seed=5))
    office = set(late.coverage.loc[late.coverage["business_hours_only"], "meter_id"])
    assert office
    sent = late.sent[late.sent["meter_id"].isin(office)]
    assert (pd.to_datetime(sent["sent_at"]).dt.hour < 18).all()
    others = late.sent[~late.sent["meter_id"].isin(office)]
    assert (pd.to_datetime(others["sent_at"]).dt.hour >= 18).any()


def test_route_passes_every_house(sim: tuple[Town, GroundTruth]) -> None:
    town, _ = sim
    route = serpentine(len(town.premises), 30.0)
    north, east = to_metres(town.premises["_lat"].to_numpy(), town.premises["_lon"].to_numpy())
    t = np.arange(0.0, route.duration_s, 0.5)
    vn, ve = route.position(t)
    nearest = np.min(np.hypot(vn[None, :] - north[:, None], ve[None, :] - east[:, None]), axis=1)
    assert nearest.max() < 20.0, nearest.max()


def test_same_seed_same_bytes_other_seed_other_bytes(sim: tuple[Town, GroundTruth], drive: Drive) -> None:
    again = simulate_drive(*sim, DriveSpec(day=DAY, seed=5))
    assert again.frames == drive.frames
    pd.testing.assert_frame_equal(again.sent, drive.sent)
    enc = ENCODERS["cul"]
    assert build_stream(enc(), again.receptions()).data == build_stream(enc(), drive.receptions()).data
    other = simulate_drive(*sim, DriveSpec(day=DAY, seed=6))
    assert other.frames != drive.frames


def test_nmea_track_round_trips(drive: Drive) -> None:
    lines = nmea_lines(drive)
    assert len(lines) == 2 * len(drive.track.t_s)
    for i in range(0, len(lines), 97):
        lat, lon = parse_position(lines[i])
        k = i // 2
        assert lat == pytest.approx(drive.track.lat[k], abs=1e-6)
        assert lon == pytest.approx(drive.track.lon[k], abs=1e-6)
    with pytest.raises(ValueError, match="checksum"):
        parse_position(lines[0].replace(b"*", b"0*", 1))


def test_drive_outside_the_period_is_refused(sim: tuple[Town, GroundTruth]) -> None:
    with pytest.raises(ValueError, match="does not fit in the town's simulated period"):
        simulate_drive(*sim, DriveSpec(day=dt.date(2027, 1, 5)))
    with pytest.raises(ValueError, match="past midnight"):
        simulate_drive(*sim, DriveSpec(day=DAY, start=dt.time(23, 50)))


def test_cli_drive_writes_files_and_refuses_bad_towns(tmp_path: Path) -> None:
    town = tmp_path / "town"
    res = runner.invoke(cli_simulate.app, ["town", "--meters", "200", "--seed", "4", "--out", str(town)])
    assert res.exit_code == 0, res.output
    out = tmp_path / "drive"
    res = runner.invoke(cli_simulate.app, ["drive", "--town", str(town), "--out", str(out), "--day", "2026-06-15",
                                           "--dongle", "iu891a", "--faults", "garbage=0.05,bad_check=0.05"])
    assert res.exit_code == 0, res.output
    assert "sending meters heard" in res.output
    for name in ("sent.csv", "heard.csv", "coverage.csv", "track.csv", "track.nmea", "drive.json",
                 "stream-iu891a.bin", "stream-iu891a-faults.csv"):
        assert (out / name).stat().st_size > 0, name
    heard = pd.read_csv(out / "heard.csv", dtype={"meter_id": str})
    assert heard["meter_id"].str.len().eq(8).all() and heard["frame"].str.match(r"^[0-9A-F]+$").all()
    faults = pd.read_csv(out / "stream-iu891a-faults.csv")
    assert set(faults["kind"]) == {"garbage", "bad_check"}

    again = tmp_path / "again"
    res = runner.invoke(cli_simulate.app, ["drive", "--town", str(town), "--out", str(again), "--day", "2026-06-15",
                                           "--dongle", "iu891a", "--faults", "garbage=0.05,bad_check=0.05"])
    assert res.exit_code == 0, res.output
    for path in out.iterdir():
        assert (again / path.name).read_bytes() == path.read_bytes(), f"{path.name} differs between two runs"

    res = runner.invoke(cli_simulate.app, ["drive", "--town", str(tmp_path / "nowhere"), "--out", str(out)])
    assert res.exit_code == 2 and "no such folder" in res.output
    meters = (town / "meters.csv").read_text().splitlines()
    (town / "meters.csv").write_text("\n".join(meters[:-1]) + "\n")
    res = runner.invoke(cli_simulate.app, ["drive", "--town", str(town), "--out", str(out)])
    assert res.exit_code == 2 and "does not match the town" in res.output
    res = runner.invoke(cli_simulate.app, ["drive", "--town", str(town), "--out", str(out), "--faults", "rain=1"])
    assert res.exit_code == 2 and "unknown fault 'rain'" in res.output
