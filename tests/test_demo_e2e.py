"""The whole job at system level: simulator → pty dongle → `amr collector run` → real Mosquitto →
`amr ingest serve` → database → `amr billing run --db`, checked against the simulator's ground truth.

This is `amr demo` on a small town: the demo's stages are the production commands, so running it here
is the end-to-end test, on SQLite and (when `AMR_TEST_PG_URL` is set) on PostgreSQL.
"""

from __future__ import annotations

import csv
import os
import re
import shutil
import sqlite3
from pathlib import Path

import pytest

from simulators.demo.pipeline import DemoPlan, run_demo
from simulators.demo.truth_check import check_invoices, check_readings

MOSQUITTO = shutil.which("mosquitto") or "/usr/sbin/mosquitto"


def _pg_url() -> str | None:
    url = os.environ.get("AMR_TEST_PG_URL")
    if not url:
        return None
    from sqlalchemy import create_engine, text

    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:  # a clean schema for this test
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str | None:
    if request.param == "sqlite":
        return None  # the demo's default: SQLite in its folder
    url = _pg_url()
    if url is None:
        pytest.skip("AMR_TEST_PG_URL is not set: no PostgreSQL to run against")
    return url


def test_ground_truth_end_to_end(tmp_path: Path, db_url: str | None) -> None:
    if not Path(MOSQUITTO).exists():
        pytest.skip("mosquitto is not installed (apt-get install mosquitto)")
    plan = DemoPlan(folder=tmp_path / "demo", meters=300, seed=11, db_url=db_url, broker_kind="mosquitto")
    stages: list[str] = []
    result = run_demo(plan, lambda stage, done, total: stages.append(stage))
    assert {"town", "master data", "heard", "receipted", "billing"} <= set(stages)
    # every telegram the receiver delivered is stored once, with exactly the values the meter sent
    readings = check_readings(plan.drive / "heard.csv", plan.db)
    assert readings.heard > 200
    assert readings.equal == readings.heard and readings.missing == 0 and readings.unexpected == 0
    # invoiced water equals the true consumption for every meter read at both period ends
    invoices = check_invoices(plan.town, plan.folder / "invoices.csv", plan.billed)
    assert invoices.compared > 20
    assert invoices.equal == invoices.compared, invoices
    # nothing was lost on the way: every frame the van heard was archived once
    with sqlite3.connect(plan.outbox) as box:
        records = box.execute("SELECT count(*) FROM records").fetchone()[0]
        unsynced = box.execute("SELECT count(*) FROM records WHERE synced_us IS NULL").fetchone()[0]
    from sqlalchemy import create_engine, text

    engine = create_engine(plan.db)
    with engine.connect() as conn:
        archived = conn.execute(text("SELECT count(*) FROM raw_frames")).scalar_one()
        distinct = conn.execute(text("SELECT count(DISTINCT frame_hash) FROM raw_frames")).scalar_one()
    engine.dispose()
    assert archived == records and unsynced == 0
    assert distinct <= archived
    # the files the summary names exist, and the missed list is the route minus what was heard
    for path in result.files.values():
        assert Path(str(path)).exists() or str(path).startswith("postgresql"), path
    with (plan.folder / "missed-meters.csv").open(newline="") as f:
        missed = {r["meter_id"] for r in csv.DictReader(f)}
    with (plan.town / "route.csv").open(newline="") as f:
        route = {r["meter_id"] for r in csv.DictReader(f)}
    with (plan.drive / "coverage.csv").open(newline="") as f:
        heard = {r["meter_id"] for r in csv.DictReader(f) if int(r["heard"] or 0) > 0}
    assert missed == route - heard
    _assert_no_key_leaves_the_office(plan)


def _assert_no_key_leaves_the_office(plan: DemoPlan) -> None:
    """No meter key in anything the run wrote outside the office's key store.

    Keys exist in the town's master data (``town/keys.csv``, imported by the office) and in the ingest
    database's key table; every other file (each stage's log, the broker's log, the van's outbox with
    the frames it uploaded, the drive's record, invoices, exceptions, the map and the charts) must not
    hold one, as hex in either case or as raw bytes.
    """
    with (plan.town / "keys.csv").open(newline="") as f:
        keys = [r["key"] for r in csv.DictReader(f)]
    assert keys
    files = [p for p in plan.folder.rglob("*") if p.is_file() and plan.town not in p.parents
             and not (plan.db.startswith("sqlite") and p.name.startswith(Path(plan.db.split("///", 1)[1]).name))]
    assert any(p.name == "collector.log" for p in files) and any(p.name.startswith("van-outbox") for p in files)
    for path in files:
        data = path.read_bytes()
        low = data.lower()
        leaked = [k for k in keys if k.lower().encode() in low or bytes.fromhex(k) in data]
        assert not leaked, f"{path.relative_to(plan.folder)} holds {len(leaked)} meter key(s)"


def test_map_in_a_real_browser(tmp_path: Path) -> None:
    """Headless Chromium opens the demo's map.html; the counts it shows match the van's outbox."""
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(chromium).exists():
        pytest.skip("chromium is not installed (apt-get install chromium)")
    if not Path(MOSQUITTO).exists():
        pytest.skip("mosquitto is not installed (apt-get install mosquitto)")
    playwright = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    plan = DemoPlan(folder=tmp_path / "demo", meters=150, seed=12, broker_kind="mosquitto")
    run_demo(plan, lambda *_: None)
    from collector.coverage import load_route
    from collector.map.load import from_outbox
    from collector.map.render import counts

    expected = counts(from_outbox(plan.outbox, load_route(plan.town / "route.csv"))[0])
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync"])
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.route("**/*", lambda route: route.abort() if not route.request.url.startswith("file:")
                   else route.continue_())  # offline: the file must need nothing from the network
        page.goto((plan.folder / "map.html").resolve().as_uri())
        shown = {s: int(page.inner_text(f"#count-{s}")) for s in ("read", "missed", "alarm")}
        circles = page.locator("circle[data-meter]").count()
        shots = Path(os.environ.get("AMR_SCREENSHOTS") or Path(__file__).resolve().parents[1] / "test-output"
                     / "screenshots") / "demo"
        shots.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(shots / "coverage-map.png"), full_page=True)
        browser.close()
    assert shown == expected
    assert circles == sum(expected.values())
    assert re.fullmatch(r"\d+", str(circles))
