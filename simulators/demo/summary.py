"""The demo's closing summary: what was heard, stored, billed and checked, and where the files are."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from rich.console import Console
from rich.table import Table

from simulators.demo.pipeline import DemoResult

# Tables the summary counts; names as ingest's models define them.
FRAMES_TABLE = "raw_frames"
QUARANTINE_TABLE = "quarantine"


def _count(db_url: str, sql: str) -> int | None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import SQLAlchemyError

    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(text(sql)).scalar_one())
    except SQLAlchemyError:
        return None
    finally:
        engine.dispose()


def _csv_rows(path: Path) -> list[dict[str, str]]:
    import csv

    if not path.exists():
        return []
    with path.open(newline="") as f:
        return list(csv.DictReader(f))


def print_summary(console: Console, result: DemoResult, wall_s: float) -> None:
    from simulators.demo.truth_check import check_invoices, check_readings

    plan = result.plan
    coverage = _csv_rows(plan.drive / "coverage.csv")
    sending = [r for r in coverage if int(r.get("sent") or 0) > 0]
    heard = [r for r in sending if int(r.get("heard") or 0) > 0]
    lines = _csv_rows(plan.folder / "invoices.csv")
    exceptions = _csv_rows(plan.folder / "invoices-exceptions.csv")
    invoices = {(r["contract_id"], r["period"]) for r in lines}
    gross = sum(float(r["gross_pln"]) for r in lines)
    water = sum(float(r["quantity"]) for r in lines if r["item"] == "water")
    sewage = sum(float(r["quantity"]) for r in lines if r["item"] == "sewage")
    readings_check = check_readings(plan.drive / "heard.csv", plan.db)
    invoice_check = check_invoices(plan.town, plan.folder / "invoices.csv", plan.billed)
    frames = _count(plan.db, f"SELECT count(*) FROM {FRAMES_TABLE}")
    quarantined = _count(plan.db, f"SELECT count(*) FROM {QUARANTINE_TABLE}")
    readings = _count(plan.db, "SELECT count(*) FROM readings WHERE raw_frame_id IS NOT NULL")

    t = Table(title=f"amr demo: {plan.meters} meters, drive {plan.drive_day}, billing period {plan.billed}",
              show_header=False)
    t.add_column(style="bold")
    t.add_column()
    t.add_row("meters heard", f"{len(heard)} of {len(sending)} transmitting ({len(sending) - len(heard)} missed)")
    t.add_row("frames archived", str(frames))
    t.add_row("readings stored", f"{readings} readings from the van's frames; {quarantined} frames quarantined")
    t.add_row("ground truth: readings",
              f"{readings_check.equal} of {readings_check.heard} heard telegrams stored with exactly their values "
              f"({readings_check.missing} missing, {readings_check.unexpected} unexpected)")
    t.add_row("invoices", f"{len(invoices)} invoices, {len(lines)} lines, {water:,.3f} m³ water, "
                          f"{sewage:,.3f} m³ sewage, {gross:,.2f} zł gross")
    t.add_row("ground truth: water",
              f"{invoice_check.equal} of {invoice_check.compared} contracts read at both period ends invoiced "
              f"the true consumption (largest difference {invoice_check.max_diff_m3:.4f} m³)")
    kinds = Counter(r["kind"] for r in exceptions)
    t.add_row("exceptions", ", ".join(f"{k} {n}" for k, n in kinds.most_common()) or "none")
    t.add_row("broker", result.broker)
    t.add_row("wall time", f"{wall_s:.1f} s")
    console.print(t)
    files = Table(title="files", show_header=False)
    for name, path in result.files.items():
        files.add_row(name, str(path))
    console.print(files)
    console.print(f"Open the customers' portal on this database: [bold]amr ebok serve --db {plan.db}[/bold]")
