"""The demo's plan: town → drive on a pty dongle → collector → broker → ingest → billing → summary.

The van drives today (the collector stamps frames with the host's clock, as in a real van) and bills
last month. Billing can then be exact: the town's history ends with the readings taken on the 1st of
the billed month (their due-date register is the month's opening), and every frame the van hears today
carries the register the meter froze at midnight on the 1st, the period's closing. The simulator's
ground truth then checks both the stored readings and the invoiced water, to the litre.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from simulators.demo.broker import LocalBroker
from simulators.demo.steps import DemoError, Stages


@dataclass(frozen=True)
class DemoPlan:
    folder: Path
    meters: int = 2000
    seed: int = 7
    period: str = ""  # the billed month (default: last month); the van drives today
    today: dt.date = field(default_factory=dt.date.today)
    dongle: str = "im871a"
    van_id: str = "van-01"
    db_url: str | None = None
    broker_url: str | None = None
    broker_kind: str = "auto"

    @property
    def billed(self) -> str:
        if self.period:
            return self.period
        last = self.today.replace(day=1) - dt.timedelta(days=1)
        return f"{last.year}-{last.month:02d}"

    @property
    def period_start(self) -> dt.date:
        y, m = map(int, self.billed.split("-"))
        return dt.date(y, m, 1)

    @property
    def drive_day(self) -> dt.date:
        """Today, or the 1st after the billed month when an older period is asked for."""
        s = self.period_start
        first_after = dt.date(s.year + (s.month == 12), s.month % 12 + 1, 1)
        return self.today if self.today >= first_after and (self.today - first_after).days < 28 else first_after

    @property
    def history_days(self) -> list[dt.date]:
        """The 1st of every month of the year up to and including the billed month's."""
        s = self.period_start
        return [dt.date(s.year, m, 1) for m in range(1, s.month + 1)]

    @property
    def db(self) -> str:
        return self.db_url or f"sqlite:///{(self.folder / 'amr.sqlite').resolve()}"

    @property
    def town(self) -> Path:
        return self.folder / "town"

    @property
    def drive(self) -> Path:
        return self.folder / "drive"

    @property
    def outbox(self) -> Path:
        return self.folder / "van-outbox.sqlite"


@dataclass
class DemoResult:
    plan: DemoPlan
    timings: dict[str, float] = field(default_factory=dict)
    outputs: dict[str, str] = field(default_factory=dict)
    files: dict[str, Path] = field(default_factory=dict)
    broker: str = ""


Progress = Callable[[str, float | None, float | None], None]  # stage, done, total


def _chart_subjects(plan: DemoPlan) -> list[tuple[str, str]]:
    """Two consumption charts worth a look: a contract whose meter was replaced, and an alarmed meter."""
    import csv

    out: list[tuple[str, str]] = []
    with (plan.town / "meters.csv").open(newline="") as f:
        meters = list(csv.DictReader(f))
    with (plan.town / "contracts.csv").open(newline="") as f:
        contracts = list(csv.DictReader(f))
    contract_of = {r["premises_id"]: r["contract_id"] for r in contracts}
    monthly = {r["premises_id"] for r in contracts if r.get("cycle_months") == "1"}
    replaced = [m for m in meters if m.get("replaces_meter_id") and m["role"] == "main"
                and m["premises_id"] in contract_of]
    # A monthly contract is invoiced in the billed month, so its chart shows that period shaded.
    replaced.sort(key=lambda m: m["premises_id"] not in monthly)
    if replaced:
        out.append(("chart-replaced-meter.png", contract_of[replaced[0]["premises_id"]]))
    with (plan.drive / "heard.csv").open(newline="") as f:
        alarmed = next((r["meter_id"] for r in csv.DictReader(f) if r["alarms"]), None)
    if alarmed:
        out.append(("chart-alarm.png", alarmed))
    return out


def run_demo(plan: DemoPlan, progress: Progress) -> DemoResult:
    plan.folder.mkdir(parents=True, exist_ok=True)
    result = DemoResult(plan)
    stages = Stages(plan.folder)
    broker: LocalBroker | None = None

    def timed(name: str, fn: Callable[[], str | None]) -> str | None:
        progress(name, None, None)
        t0 = time.perf_counter()
        out = fn()
        result.timings[name] = time.perf_counter() - t0
        if out is not None:
            result.outputs[name] = out
        return out

    try:
        town_days = [a for d in plan.history_days for a in ("--readings-at", d.isoformat())]
        timed("town", lambda: stages.run("town", ["simulate", "town", "--meters", str(plan.meters), "--seed",
                                                   str(plan.seed), "--start", f"{plan.period_start.year}-01-01",
                                                   "--end", plan.drive_day.isoformat(), "--out", str(plan.town),
                                                   *town_days]))
        timed("drive plan", lambda: stages.run("drive", ["simulate", "drive", "--town", str(plan.town), "--day",
                                                         plan.drive_day.isoformat(), "--seed", str(plan.seed),
                                                         "--out", str(plan.drive)]))
        timed("database", lambda: stages.run("db", ["db", "upgrade", "--db", plan.db]))
        timed("master data", lambda: stages.run("import", ["import", "folder", str(plan.town), "--db", plan.db]))
        if plan.broker_url:
            broker_url, shared = plan.broker_url, True
        else:
            broker = LocalBroker(plan.folder / "broker").start(plan.broker_kind)
            broker_url, shared = broker.url, broker.shared_subscriptions
        result.broker = f"{broker.kind} on {broker_url}" if broker else broker_url
        ingest_args = ["ingest", "serve", "--broker", broker_url, "--db", plan.db]
        if not shared:
            ingest_args += ["--group", ""]
        stages.start("ingest", ingest_args)
        from simulators.demo.progress_watch import expected_frames, watch_collector

        expected = expected_frames(plan.drive / "heard.csv")
        dongle = stages.start("dongle", ["simulate", "dongle", "--town", str(plan.town), "--dongle", plan.dongle,
                                         "--pty", "--nmea", "--speed", "max", "--day", plan.drive_day.isoformat(),
                                         "--seed", str(plan.seed), "--exit-when-done"])
        pty_line = stages.wait_line("dongle", dongle, lambda s: s.startswith(f"{plan.dongle}: /dev/"))
        pty = pty_line.split(": ", 1)[1].strip()
        gps = stages.wait_line("dongle", dongle, lambda s: s.startswith("gps: /dev/")).split(": ", 1)[1].strip()
        route = plan.town / "route.csv"
        collector_args = ["collector", "run", "--port", pty, "--dongle", "auto", "--mode", "c1t1", "--van-id",
                          plan.van_id, "--broker", broker_url, "--outbox", str(plan.outbox), "--gps", gps,
                          "--no-live"]
        if route.exists():
            collector_args += ["--route", str(route), "--missed", str(plan.folder / "missed-meters.csv")]
        t0 = time.perf_counter()
        collector = stages.start("collector", collector_args)
        watch_collector(plan.outbox, expected, collector, progress)
        stages.stop(collector)
        result.timings["drive + collect + sync"] = time.perf_counter() - t0
        stages.stop(dongle)
        result.outputs["collector"] = stages.log("collector").read_text(errors="replace")
        timed("billing", lambda: stages.run("billing", ["billing", "run", "--period", plan.billed, "--db", plan.db,
                                                       "--out", str(plan.folder / "invoices.csv")]))
        is_file = plan.db.startswith("sqlite")
        result.files["database"] = Path(plan.db.removeprefix("sqlite:///")) if is_file else Path(plan.db)
        result.files["invoice lines"] = plan.folder / "invoices.csv"
        result.files["invoices"] = plan.folder / "invoices-invoices.csv"
        result.files["exceptions"] = plan.folder / "invoices-exceptions.csv"
        if route.exists():
            result.files["missed meters"] = plan.folder / "missed-meters.csv"
            timed("coverage map", lambda: stages.run("map", [
                "collector", "map", "--route", str(route), "--outbox", str(plan.outbox),
                "--out", str(plan.folder / "map.html"), "--png"]))
            result.files["map"] = plan.folder / "map.html"
            result.files["map (PNG)"] = plan.folder / "map.png"
        for name, ident in _chart_subjects(plan):
            timed(f"chart {ident}", lambda ident=ident, name=name: stages.run(f"chart-{ident}", [
                "readings", "plot", ident, "--db", plan.db, "--out", str(plan.folder / name)]))
            result.files[f"chart {ident}"] = plan.folder / name
        return result
    except DemoError:
        raise
    finally:
        stages.stop_all()
        if broker is not None:
            broker.stop()
