"""``amr billing run --db``: the same invoices as ``--data``, stored with numbers; next period; issued refusal.

A small simulated town is imported with ``amr import folder`` plus a file of customer self-readings;
billing from the database must equal billing the folder with the same readings file, line for line.
"""

from __future__ import annotations

import csv
import io
import shutil
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
from db_urls import db_url  # noqa: F401  (fixture)
from ingest_data import amr, make_schema, snapshot, write_folder
from sqlalchemy import select
from sqlalchemy.orm import Session

from ingest.models.base import make_engine
from ingest.models.billing import BilledRegister, Invoice, InvoiceLine


def _self_readings(town: Path, out: Path) -> Path:
    """Customer readings a day after the September read of a few main meters, 1 litre higher."""
    meters = pd.read_csv(town / "meters.csv", dtype=str, keep_default_na=False)
    readings = pd.read_csv(town / "readings.csv", dtype=str, keep_default_na=False)
    mains = set(meters.loc[(meters["role"] == "main") & (meters["removal_date"] == ""), "meter_id"])
    sept = readings[readings["read_at"].str.startswith("2026-09-30") & readings["meter_id"].isin(mains)
                    & (readings["total_m3"] != "")].head(5)
    rows = ["meter_id,read_at,total_m3,source"]
    rows += [f"{r.meter_id},2026-10-01T19:30:00,{float(r.total_m3) + 0.001:.3f},customer" for r in sept.itertuples()]
    assert len(rows) == 6
    out.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return out


@pytest.fixture
def town_db(db_url: str, tmp_path: Path) -> tuple[str, Path, Path]:  # noqa: F811
    town = tmp_path / "town"
    assert amr("simulate", "town", "--meters", "120", "--seed", "5", "--out", town).exit_code == 0
    make_schema(db_url)
    assert amr("import", "folder", town, "--db", db_url).exit_code == 0
    extra = _self_readings(town, tmp_path / "self.csv")
    result = amr("import", "readings", extra, "--source", "customer", "--db", db_url)
    assert result.exit_code == 0, result.stderr
    return db_url, town, extra


def _sorted_csv(path: Path) -> list[str]:
    return sorted(path.read_text(encoding="utf-8").splitlines())


def test_db_run_equals_data_run_and_stores_numbered_invoices(town_db: tuple[str, Path, Path], tmp_path: Path) -> None:
    url, town, extra = town_db
    db = amr("billing", "run", "--period", "2026-10", "--db", url, "--out", tmp_path / "db" / "inv.csv",
             "--issue-date", "2026-11-03")
    assert db.exit_code == 0, db.stderr
    data = amr("billing", "run", "--period", "2026-10", "--data", town, "--readings", extra,
               "--out", tmp_path / "data" / "inv.csv")
    assert data.exit_code == 0, data.stderr
    lines = (tmp_path / "db" / "inv.csv").read_text(encoding="utf-8")
    assert lines == (tmp_path / "data" / "inv.csv").read_text(encoding="utf-8")
    assert len(lines.splitlines()) > 50
    db_dir, data_dir = tmp_path / "db", tmp_path / "data"
    assert (db_dir / "inv-exceptions.csv").read_text() == (data_dir / "inv-exceptions.csv").read_text()
    assert _sorted_csv(db_dir / "inv-registers.csv") == _sorted_csv(data_dir / "inv-registers.csv")

    frame = pd.read_csv(io.StringIO(lines), dtype={"customer_id": str, "contract_id": str})
    engine = make_engine(url)
    with Session(engine) as s:
        invoices = s.execute(select(Invoice)).scalars().all()
        assert len(invoices) == frame.groupby(["contract_id", "period"]).ngroups
        seqs: dict[str, int] = {}
        for inv in sorted(invoices, key=lambda i: (i.customer_id, i.contract_id)):
            seqs[inv.customer_id] = seqs.get(inv.customer_id, 0) + 1
            assert inv.number == f"{inv.customer_id}/2026/10/{seqs[inv.customer_id]:02}"
            assert inv.issue_date.isoformat() == "2026-11-03" and inv.due_date.isoformat() == "2026-11-17"
            mine = frame[frame["contract_id"] == inv.contract_id]
            assert inv.gross == Decimal(f"{mine['gross_pln'].sum():.2f}") == inv.net + inv.vat
            assert inv.status == "draft" and inv.settlement in ("paper", "e-invoice")
            stored_lines = s.execute(select(InvoiceLine).where(InvoiceLine.invoice_id == inv.id)).scalars().all()
            assert [ln.line_no for ln in stored_lines] == list(mine["line_no"])
            assert sum(ln.gross for ln in stored_lines) == inv.gross
    engine.dispose()


def test_next_period_starts_from_stored_billed_registers(town_db: tuple[str, Path, Path], tmp_path: Path) -> None:
    url, town, extra = town_db
    assert amr("billing", "run", "--period", "2026-10", "--db", url).exit_code == 0
    first = amr("billing", "run", "--period", "2026-10", "--data", town, "--readings", extra,
                "--out", tmp_path / "oct" / "inv.csv")
    assert first.exit_code == 0
    folder = tmp_path / "town_dec"
    shutil.copytree(town, folder)
    shutil.copy(tmp_path / "oct" / "inv-registers.csv", folder / "billed_registers.csv")
    db = amr("billing", "run", "--period", "2026-12", "--db", url, "--out", tmp_path / "db_dec" / "inv.csv")
    data = amr("billing", "run", "--period", "2026-12", "--data", folder, "--readings", extra,
               "--out", tmp_path / "data_dec" / "inv.csv")
    assert db.exit_code == 0 and data.exit_code == 0, db.stderr + data.stderr
    assert (tmp_path / "db_dec" / "inv.csv").read_text() == (tmp_path / "data_dec" / "inv.csv").read_text()
    # and without the hand-over the December bill would differ: the registers matter
    rerun = amr("billing", "run", "--period", "2026-10", "--db", url)
    assert rerun.exit_code == 0 and "note: 2026-12 started from the registers this re-run replaced" in rerun.stdout
    plain = amr("billing", "run", "--period", "2026-12", "--data", town, "--readings", extra,
                "--out", tmp_path / "plain_dec" / "inv.csv")
    assert plain.exit_code == 0
    engine = make_engine(url)
    with Session(engine) as s:
        assert s.execute(select(BilledRegister)).first() is not None
    engine.dispose()


def test_rerun_replaces_draft_and_issued_period_is_refused(town_db: tuple[str, Path, Path]) -> None:
    url, _, _ = town_db
    assert amr("billing", "run", "--period", "2026-10", "--db", url, "--issue-date", "2026-11-03").exit_code == 0
    first = snapshot(url)
    again = amr("billing", "run", "--period", "2026-10", "--db", url, "--issue-date", "2026-11-03")
    assert again.exit_code == 0 and "replaced the draft run" in again.stdout
    second = snapshot(url)
    strip = ("invoices", "invoice_lines", "billing_exceptions", "billed_registers")
    for t in strip:
        assert len(second[t]) == len(first[t]) > 0
    listed = amr("invoices", "list", "--db", url, "--format", "csv", "--period", "2026-10")
    numbers = [r["number"] for r in csv.DictReader(io.StringIO(listed.stdout))]
    assert len(numbers) == len(second["invoices"]) and len(set(numbers)) == len(numbers)

    issued = amr("invoices", "issue", "--period", "2026-10", "--db", url)
    assert issued.exit_code == 0 and f"{len(numbers)} invoices issued" in issued.stdout
    before = snapshot(url)
    refused = amr("billing", "run", "--period", "2026-10", "--db", url)
    assert refused.exit_code == 2
    assert refused.stderr.startswith("error: period 2026-10 was issued on ")
    assert "cannot be billed again" in refused.stderr
    assert snapshot(url) == before
    statuses = amr("invoices", "list", "--db", url, "--format", "json", "--status", "draft")
    assert statuses.stdout.strip() == "[]"


def test_number_pattern_is_configurable_and_checked(db_url: str, tmp_path: Path) -> None:  # noqa: F811
    make_schema(db_url)
    assert amr("import", "folder", write_folder(tmp_path / "t"), "--db", db_url).exit_code == 0
    est = "--allow-estimates"  # the small folder's readings end on 2026-09-30
    run = amr("billing", "run", "--period", "2026-10", "--db", db_url, est, "--issue-date", "2026-11-02")
    assert run.exit_code == 0, run.stderr
    listed = amr("invoices", "list", "--db", db_url, "--format", "csv")
    assert [r["number"] for r in csv.DictReader(io.StringIO(listed.stdout))] == ["123456/2026/10/01",
                                                                                "234567/2026/10/01"]
    custom = amr("billing", "run", "--period", "2026-10", "--db", db_url, est, "--number-pattern",
                 "FV/{year}/{month:02}/{contract_id}")
    assert custom.exit_code == 0, custom.stderr
    listed = amr("invoices", "list", "--db", db_url, "--format", "json")
    assert '"FV/2026/10/K1"' in listed.stdout and '"FV/2026/10/K2"' in listed.stdout
    bad = amr("billing", "run", "--period", "2026-10", "--db", db_url, est, "--number-pattern", "{customer_id}/{year}")
    assert bad.exit_code == 2 and "gives one number to two invoices" in bad.stderr
    bad = amr("billing", "run", "--period", "2026-10", "--db", db_url, est, "--number-pattern", "{customer}/{seq}")
    assert bad.exit_code == 2 and "cannot be filled" in bad.stderr


def test_imported_billed_registers_hand_over_like_the_folder(db_url: str, tmp_path: Path) -> None:  # noqa: F811
    """A folder with billed_registers (an earlier system's last run) bills the same from the database."""
    town = tmp_path / "town"
    assert amr("simulate", "town", "--meters", "100", "--seed", "9", "--out", town).exit_code == 0
    assert amr("billing", "run", "--period", "2026-10", "--data", town, "--out", tmp_path / "oct" / "i.csv"
               ).exit_code == 0
    shutil.copy(tmp_path / "oct" / "i-registers.csv", town / "billed_registers.csv")
    make_schema(db_url)
    imported = amr("import", "folder", town, "--db", db_url)
    assert imported.exit_code == 0, imported.stderr
    assert "billed_registers.csv: " in imported.stdout and " new" in imported.stdout
    assert not any("not imported" in ln and "billed_registers" in ln for ln in imported.stdout.splitlines())
    before = snapshot(db_url)
    assert amr("import", "folder", town, "--db", db_url).exit_code == 0
    assert snapshot(db_url) == before
    db = amr("billing", "run", "--period", "2026-12", "--db", db_url, "--out", tmp_path / "db" / "i.csv")
    data = amr("billing", "run", "--period", "2026-12", "--data", town, "--out", tmp_path / "data" / "i.csv")
    assert db.exit_code == 0 and data.exit_code == 0, db.stderr + data.stderr
    assert (tmp_path / "db" / "i.csv").read_text() == (tmp_path / "data" / "i.csv").read_text()
    refused = amr("billing", "run", "--period", "2026-10", "--db", db_url)
    assert refused.exit_code == 2 and "period 2026-10 was issued" in refused.stderr


def test_a_month_without_readings_is_refused_from_the_database_too(db_url: str, tmp_path: Path) -> None:  # noqa: F811
    make_schema(db_url)
    assert amr("import", "folder", write_folder(tmp_path / "t"), "--db", db_url).exit_code == 0
    refused = amr("billing", "run", "--period", "2026-10", "--db", db_url)
    assert refused.exit_code == 2
    assert "no reading on or after 2026-10-01 (the last is from 2026-09-30)" in refused.stderr
    assert "--allow-estimates" in refused.stderr
    assert amr("invoices", "list", "--db", db_url, "--format", "json").stdout.strip() == "[]"
    allowed = amr("billing", "run", "--period", "2026-10", "--db", db_url, "--allow-estimates")
    assert allowed.exit_code == 0, allowed.stderr
    assert "billed on estimates in 2026-10" in allowed.stderr
