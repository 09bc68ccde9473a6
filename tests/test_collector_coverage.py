"""Route coverage against a simulated drive's ground truth: who was heard, who is missing, which alarms."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from collector.coverage import Coverage, clear_text, load_route
from simulators.drive import Drive, DriveSpec, simulate_drive
from simulators.town.consumption import simulate
from simulators.town.population import Town, build_town
from simulators.town.route import write_route

DAY = dt.date(2026, 10, 30)


@pytest.fixture(scope="module")
def town_drive() -> tuple[Town, Drive]:
    town = build_town(600, 3, dt.date(2026, 1, 1), dt.date(2026, 12, 31))  # enough meters for status alarms
    return town, simulate_drive(town, simulate(town, 3), DriveSpec(day=DAY, seed=2))


def test_route_file_lists_the_meters_in_service(town_drive: tuple[Town, Drive], tmp_path: Path) -> None:
    town, drive = town_drive
    n = write_route(town, tmp_path, DAY)
    route = load_route(tmp_path / "route.csv")
    assert len(route) == n
    ids = {m.meter_id for m in route}
    sending = set(drive.coverage.loc[drive.coverage["sent"] > 0, "meter_id"])
    assert sending <= ids  # every meter that transmitted that day is on the route
    assert all(m.lat is not None and 49 < m.lat < 52 and m.address.startswith("ul. ") for m in route)


def test_clear_text_gives_id_and_status_alarms_without_keys(town_drive: tuple[Town, Drive]) -> None:
    _, drive = town_drive
    h = drive.heard
    status_families = {"oms-plain", "oms-mode5", "oms-mode7", "apator162"}  # alarms in the TPL status byte
    checked = alarmed = 0
    for frame, mid, family, alarms in zip(drive.frames, h["meter_id"], h["family"], h["alarms"], strict=True):
        got = clear_text(frame)
        assert got is not None and got.meter_id == mid
        if family in status_families:
            want = set(alarms.split()) if isinstance(alarms, str) and alarms else set()
            assert set(got.alarms) == want, (mid, family, got.alarms, alarms)
            checked += 1
            alarmed += bool(want)
    assert checked > 100 and alarmed > 0


def test_coverage_counts_and_missed_file(town_drive: tuple[Town, Drive], tmp_path: Path) -> None:
    town, drive = town_drive
    write_route(town, tmp_path, DAY)
    cov = Coverage(load_route(tmp_path / "route.csv"))
    for frame in drive.frames:
        cov.add(frame)
    truth = set(drive.coverage.loc[drive.coverage["heard"] > 0, "meter_id"])
    assert cov.read == len(truth & {m.meter_id for m in cov.route})
    missed = cov.write_missed(tmp_path / "missed.csv")
    assert missed == len(cov.route) - cov.read
    rows = (tmp_path / "missed.csv").read_text().splitlines()[1:]
    assert {r.split(",")[0] for r in rows}.isdisjoint(truth)
    here = (cov.route[0].lat, cov.route[0].lon)
    near = cov.nearest_missing(here, 5)
    dists = [d for _, d in near]
    assert dists == sorted(dists) and len(near) == min(5, missed)


def test_live_view_shows_progress_nearest_missing_and_alarms(town_drive: tuple[Town, Drive], tmp_path: Path) -> None:
    from rich.console import Console

    from collector.coverage.view import VanLine, render

    town, drive = town_drive
    write_route(town, tmp_path, DAY)
    cov = Coverage(load_route(tmp_path / "route.csv"))
    for frame in drive.frames:
        cov.add(frame)
    assert cov.alarms, "this town's drive carries status-byte alarms"
    here = (cov.route[0].lat, cov.route[0].lon)
    console = Console(record=True, width=120, color_system=None)
    note = "13:02:11 dongle resetting: reset: no telegram for 900 s"
    console.print(render(cov, VanLine("van-7", "im871a", "listening", len(drive.frames), 12, here, (note,))))
    text = console.export_text()
    assert f"read {cov.read} of {len(cov.route)}" in text and note in text
    assert "van-7" in text and "dongle im871a: listening" in text and "unsynced 12" in text
    nearest_id = cov.nearest_missing(here, 1)[0][0].meter_id
    assert nearest_id in text and " m" in text
    some_alarm_meter, names = next(iter(cov.alarms.items()))
    assert some_alarm_meter in text and names[0] in text
