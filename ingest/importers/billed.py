"""Import ``billed_registers`` (the registers an earlier billing system closed its periods with).

A utility moving to this database brings the registers its last run billed, so the first run here
starts from them exactly as ``--data`` does with a ``billed_registers`` file.  They are stored as an
issued billing run of origin ``import`` per boundary month (nothing may re-bill a month another system
already invoiced); importing the same file again changes nothing, and a month this database billed
itself is refused.
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from ingest.importers.errors import ImportRejected, Problem
from ingest.importers.master import TableReport
from ingest.importers.validate import parse_rows
from ingest.models.billing import BilledRegister, BillingRun
from ingest.models.master import Meter


def import_billed_registers(session: Session, raw: pd.DataFrame, file: str, csv: bool = True) -> TableReport:
    """Validate and store billed registers, one imported issued run per boundary month."""
    typed, problems = parse_rows("billed_registers", raw, file, csv)
    if problems:
        raise ImportRejected(problems)
    meters = {m for (m,) in session.execute(select(Meter.meter_id))}
    for i, m in enumerate(typed["meter_id"]):
        if m not in meters:
            r = int(typed["source_row"].iloc[i])
            problems.append(Problem(file, r, "meter_id", f"{m!r} is not in meters", r + 1 if csv else None))
    typed["month"] = typed["boundary_date"].dt.strftime("%Y-%m")
    runs = {r.period: r for r in session.execute(select(BillingRun).where(
        BillingRun.period.in_(sorted(set(typed["month"]))))).scalars()}
    for month, r in runs.items():
        if r.origin != "import":
            first = int(typed.loc[typed["month"] == month, "source_row"].iloc[0])
            problems.append(Problem(file, first, "boundary_date", f"period {month} was billed in this database "
                                    f"(run {r.id}); its registers cannot be replaced by an import",
                                    first + 1 if csv else None))
    if problems:
        raise ImportRejected(problems)
    report = TableReport("billed_registers", file)
    for month, group in typed.groupby("month", sort=True):
        run = runs.get(month)
        if run is None:
            run = BillingRun(period=month, status="issued", origin="import")
            session.add(run)
            session.flush()
        stored = {(b.meter_id, b.boundary_date): b for b in session.execute(
            select(BilledRegister).where(BilledRegister.run_id == run.id)).scalars()}
        rows = []
        for rec in group.to_dict("records"):
            key = (rec["meter_id"], pd.Timestamp(rec["boundary_date"]).date())
            basis = None if pd.isna(rec["basis"]) else str(rec["basis"])
            old = stored.get(key)
            report.rows += 1
            if old is None:
                rows.append({"run_id": run.id, "meter_id": key[0], "boundary_date": key[1],
                             "register_m3": float(rec["register_m3"]), "basis": basis})
            elif old.register_m3 != float(rec["register_m3"]) or old.basis != basis:
                old.register_m3, old.basis = float(rec["register_m3"]), basis
                report.updated += 1
                report.changed_values += 1
            else:
                report.unchanged += 1
        if rows:
            session.execute(insert(BilledRegister), rows)
            report.inserted += len(rows)
    session.flush()
    return report
