"""Rows for `amr readings plot`: a meter's (or a contract's meters') readings, replacements and periods.

A contract's chart follows its service point across meter replacements, because that is how billing
sees it: the old meter's readings up to its removal, the new one's from its installation.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import text
from sqlalchemy.engine import Connection

from ingest.charts import ChartReading, Replacement


class ChartError(ValueError):
    """Neither a meter nor a contract by that id."""


def chart_rows(conn: Connection, ident: str) -> tuple[str, list[ChartReading], list[tuple[dt.date, dt.date]],
                                                     list[Replacement]]:
    meter = conn.execute(text("SELECT meter_id, premises_id FROM meters WHERE meter_id = :i"), {"i": ident}).first()
    contract = None if meter else conn.execute(
        text("SELECT contract_id, premises_id FROM contracts WHERE contract_id = :i"), {"i": ident}).first()
    if meter is None and contract is None:
        raise ChartError(f"{ident!r} is neither a meter id nor a contract id in the database")
    if meter is not None:
        meter_ids = [meter.meter_id]
        title = f"Meter {meter.meter_id}"
        premises = meter.premises_id
    else:
        premises = contract.premises_id
        meter_ids = [r.meter_id for r in conn.execute(
            text("SELECT meter_id FROM meters WHERE premises_id = :p AND role = 'main' ORDER BY install_date"),
            {"p": premises})]
        title = f"Contract {contract.contract_id} (main meters {', '.join(meter_ids)})"
    rows = conn.execute(text("SELECT meter_id, read_at, total_m3, source, alarms FROM readings WHERE meter_id IN "
                             f"({', '.join(':m' + str(i) for i in range(len(meter_ids)))}) AND total_m3 IS NOT NULL "
                             "ORDER BY read_at"), {f"m{i}": m for i, m in enumerate(meter_ids)}).all() \
        if meter_ids else []
    readings = [ChartReading(r.meter_id, _dt(r.read_at), float(r.total_m3), r.source, r.alarms or "") for r in rows]
    reps = [Replacement(_d(r.install_date), r.replaces_meter_id, r.meter_id) for r in conn.execute(
        text("SELECT meter_id, replaces_meter_id, install_date FROM meters WHERE premises_id = :p AND "
             "replaces_meter_id IS NOT NULL"), {"p": premises}) if r.replaces_meter_id in meter_ids or
        r.meter_id in meter_ids]
    periods = [(_d(r.period_start), _d(r.period_end)) for r in conn.execute(
        text("SELECT DISTINCT i.period_start, i.period_end FROM invoices i JOIN contracts c ON c.contract_id = "
             "i.contract_id WHERE c.premises_id = :p ORDER BY i.period_start"), {"p": premises})]
    return title, readings, periods, reps


def _dt(v: object) -> dt.datetime:
    return v if isinstance(v, dt.datetime) else dt.datetime.fromisoformat(str(v))


def _d(v: object) -> dt.date:
    return v if isinstance(v, dt.date) else dt.date.fromisoformat(str(v)[:10])
