"""The one validator of customers' own readings, used by ``amr import readings`` and by the eBOK portal.

A customer reads the display of the main meter or of a garden submeter and reports the total register.
What can go wrong is known: a typo that puts the value below the last one, a reading of a meter that was
swapped last month, a decimal comma read as a thousands separator.  The rules, in order:

1. the meter must exist and be a ``main`` or ``garden`` meter (sewage and intake meters are read by staff);
2. the reading needs ``total_m3`` and may not lie in the future;
3. it must fall within the meter's service: not before installation; after removal it is refused,
   naming the meter that replaced it when there is one (the customer read the old meter's number);
4. it may not be below the previous register of the same meter (the latest earlier reading from any
   source, or the register at installation), nor above the next later one (a back-dated reading).
   Readings before the meter's installation day are not compared, so a replacement never makes a
   new meter's low register look like a typo.  A lower value
   is accepted only when the register's rollover explains it (``rollover_m3`` / ``register_digits``):
   then the use since the previous reading is ``total + rollover - previous``, and it is flagged;
5. an implausible jump is accepted but flagged: use per day since the previous reading above
   ``JUMP_FACTOR`` times the meter's typical use (over up to a year of readings) and above
   ``MIN_JUMP_M3_PER_DAY`` for its role.  Billing staff see the flag; billing's own high-consumption
   exception catches it again at the run.

A refusal is a stable ``code`` with its ``params`` (values already written out: ``19``, ``2026-09-30 08:00``);
``REASONS`` turns them into the plain English sentence the importer prints (``Verdict.reason``), and the
portal words the same code in Polish or English (``ingest.ebok.messages.reading_reason``), so neither has
to parse the other's text.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ingest.models.master import Meter

SELF_READ_ROLES = ("main", "garden")
JUMP_FACTOR = 5.0  # times the meter's typical daily use
MIN_JUMP_M3_PER_DAY = {"main": 3.0, "garden": 2.0}  # below this, no flag whatever the history
TYPICAL_MIN_DAYS = 30  # history shorter than this gives no typical use
FUTURE_TOLERANCE = dt.timedelta(minutes=10)  # clocks of phones and servers differ a little
EPS_M3 = 0.0005  # half a litre: registers are printed to the litre


@dataclass(frozen=True)
class SelfReading:
    """One reported register: the meter as printed, the instant (timezone-aware) and total_m3."""

    meter_id: str
    read_at: dt.datetime
    total_m3: float | None


# why a reading is refused: code → English sentence over the verdict's params
REASONS: dict[str, str] = {
    "unknown_meter": "meter {meter} is not known",
    "staff_meter": "meter {meter} is a {role} meter; customers report main and garden meters only",
    "no_total": "a customer reading needs total_m3 (the register on the display)",
    "not_register": "total_m3 {total} is not a register value",
    "future": "read_at {at} is in the future",
    "before_install": "read_at {day} is before meter {meter} was installed on {installed}",
    "replaced": "meter {meter} was removed on {removed} and replaced by meter {new}; report the register of meter "
                "{new}",
    "removed": "meter {meter} was removed on {removed}",
    "above_later": "total_m3 {total} is above the later reading {later} m³ of {later_at}",
    "below_previous": "total_m3 {total} is below the previous reading {previous} m³ of {previous_at}, and no meter "
                      "replacement or register rollover explains it",
    "below_initial": "total_m3 {total} is below the register {previous} m³ at installation on {installed}, and no "
                     "meter replacement or register rollover explains it",
    "duplicate": "a reading of this meter at this instant is already stored",
}


@dataclass
class Verdict:
    """Accepted (``code`` is None) or refused with ``code``/``params``; ``flags`` note what staff should see."""

    code: str | None = None
    params: dict[str, str] = field(default_factory=dict)
    column: str | None = None
    flags: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.code is None

    @property
    def reason(self) -> str | None:
        """The refusal as an English sentence (the importer's and the CLI's wording)."""
        return None if self.code is None else REASONS[self.code].format(**self.params)


def _refuse(code: str, column: str, **params: object) -> Verdict:
    return Verdict(code, {k: str(v) for k, v in params.items()}, column)


def _utc(value: dt.datetime) -> dt.datetime:
    """Aware UTC; a naive value from the database is UTC (the store keeps instants in UTC)."""
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def _history(session: Session, meter_ids: set[str]) -> dict[str, list[tuple[dt.datetime, float]]]:
    """Stored (instant, total_m3) per meter, oldest first; estimates are not registers and are left out."""
    from ingest.models.base import Base

    readings = Base.metadata.tables["readings"]
    out: dict[str, list[tuple[dt.datetime, float]]] = {m: [] for m in meter_ids}
    ids = sorted(meter_ids)
    for i in range(0, len(ids), 500):
        q = (select(readings.c.meter_id, readings.c.read_at, readings.c.total_m3)
             .where(readings.c.meter_id.in_(ids[i:i + 500]), readings.c.total_m3.is_not(None),
                    readings.c.source != "estimate"))
        for meter_id, read_at, total in session.execute(q):
            out[meter_id].append((_utc(read_at), float(total)))
    for rows in out.values():
        rows.sort()
    return out


def _typical_per_day(rows: list[tuple[dt.datetime, float]], before: dt.datetime) -> float | None:
    """Use per day over up to a year before ``before``; None when the history is too short or rolls over."""
    span = [(t, v) for t, v in rows if before - dt.timedelta(days=365) <= t <= before]
    if len(span) < 2:
        return None
    days = (span[-1][0] - span[0][0]).total_seconds() / 86400
    used = span[-1][1] - span[0][1]
    if days < TYPICAL_MIN_DAYS or used < 0:
        return None
    return used / days


def check_self_readings(session: Session, readings: list[SelfReading],
                        now: dt.datetime | None = None) -> list[Verdict]:
    """One verdict per reading, in order; earlier readings of the same batch count as history."""
    now = _utc(now or dt.datetime.now(dt.UTC))
    ids = {r.meter_id for r in readings}
    meters: dict[str, Any] = {m.meter_id: m for m in session.execute(
        select(Meter.__table__).where(Meter.meter_id.in_(sorted(ids)))).all()} if ids else {}
    replaced_by = {m.replaces_meter_id: m.meter_id for m in session.execute(
        select(Meter.meter_id, Meter.replaces_meter_id).where(Meter.replaces_meter_id.in_(sorted(ids)))).all()}
    history = _history(session, set(meters))
    verdicts: list[Verdict] = []
    for r in readings:
        v = _check_one(r, meters.get(r.meter_id), replaced_by.get(r.meter_id), history, now)
        verdicts.append(v)
        if v.ok and r.total_m3 is not None:
            rows = history.setdefault(r.meter_id, [])
            rows.append((_utc(r.read_at), float(r.total_m3)))
            rows.sort()
    return verdicts


def _check_one(r: SelfReading, meter: Any, replaced_by: str | None,
               history: dict[str, list[tuple[dt.datetime, float]]], now: dt.datetime) -> Verdict:
    if meter is None:
        return _refuse("unknown_meter", "meter_id", meter=r.meter_id)
    if meter.role not in SELF_READ_ROLES:
        return _refuse("staff_meter", "meter_id", meter=r.meter_id, role=meter.role)
    if r.total_m3 is None:
        return _refuse("no_total", "total_m3")
    total = float(r.total_m3)
    if not total >= 0:
        return _refuse("not_register", "total_m3", total=f"{total:g}")
    at = _utc(r.read_at)
    if at > now + FUTURE_TOLERANCE:
        return _refuse("future", "read_at", at=at.isoformat())
    local_day = at.astimezone(_warsaw()).date()
    if local_day < meter.install_date:
        return _refuse("before_install", "read_at", day=local_day, meter=r.meter_id, installed=meter.install_date)
    if meter.removal_date is not None and local_day > meter.removal_date:
        if replaced_by:
            return _refuse("replaced", "meter_id", meter=r.meter_id, removed=meter.removal_date, new=replaced_by)
        return _refuse("removed", "meter_id", meter=r.meter_id, removed=meter.removal_date)
    installed = dt.datetime.combine(meter.install_date, dt.time(), _warsaw()).astimezone(dt.UTC)
    rows = [(t, v) for t, v in history.get(r.meter_id, []) if installed <= t < at]
    if rows:
        prev_at, prev, prev_what = rows[-1][0], rows[-1][1], f"the previous reading {rows[-1][1]:g} m³ of " \
                                                             f"{rows[-1][0].astimezone(_warsaw()):%Y-%m-%d %H:%M}"
        below = _refuse("below_previous", "total_m3", total=f"{total:g}", previous=f"{prev:g}",
                        previous_at=f"{prev_at.astimezone(_warsaw()):%Y-%m-%d %H:%M}")
    elif meter.initial_m3 is not None:
        prev_at, prev, prev_what = installed, float(meter.initial_m3), \
            f"the register {float(meter.initial_m3):g} m³ at installation on {meter.install_date}"
        below = _refuse("below_initial", "total_m3", total=f"{total:g}", previous=f"{prev:g}",
                        installed=meter.install_date)
    else:
        return Verdict()
    later = [(t, v) for t, v in history.get(r.meter_id, []) if t > at]
    if later and total > later[0][1] + EPS_M3 and (meter.rollover_m3 is None or
                                                   total - later[0][1] < meter.rollover_m3 / 2):
        return _refuse("above_later", "total_m3", total=f"{total:g}", later=f"{later[0][1]:g}",
                       later_at=f"{later[0][0].astimezone(_warsaw()):%Y-%m-%d %H:%M}")
    flags: list[str] = []
    used = total - prev
    if used < -EPS_M3:
        rollover = meter.rollover_m3
        if rollover is None or total + rollover - prev > rollover / 2:
            return below
        used = total + rollover - prev
        flags.append(f"register rollover at {rollover:g} m³ assumed since {prev_what}")
    days = max((at - prev_at).total_seconds() / 86400, 1 / 24)
    rate = max(used, 0.0) / days
    typical = _typical_per_day(rows, prev_at) if rows else None
    limit = max(MIN_JUMP_M3_PER_DAY[meter.role], JUMP_FACTOR * typical if typical else 0.0)
    if rate > limit:
        typ = f", typical {typical:.3f} m³/day" if typical else ""
        flags.append(f"implausible jump: {used:g} m³ in {days:.1f} days ({rate:.2f} m³/day{typ}) since {prev_what}")
    return Verdict(flags=flags)


def _warsaw() -> dt.tzinfo:
    from zoneinfo import ZoneInfo

    from ingest.billing_inputs import LOCAL_TZ

    return ZoneInfo(LOCAL_TZ)


def submit_self_reading(session: Session, meter_id: str, read_at: dt.datetime, total_m3: float | None,
                        submitted_by: str | None, now: dt.datetime | None = None) -> Verdict:
    """Validate one customer reading (the portal's form) and store it when accepted; the caller commits.

    Stored exactly as ``amr import readings --source customer`` stores a row (source ``customer``, same
    identity key), so the next ``amr billing run --db`` uses it whichever way it came in.
    """
    from sqlalchemy import insert

    from ingest.importers.readings import dedupe_key, readings_table

    verdict = check_self_readings(session, [SelfReading(meter_id, read_at, total_m3)], now)[0]
    if not verdict.ok:
        return verdict
    table = readings_table()
    key = dedupe_key("customer", meter_id, _utc(read_at))
    if session.execute(select(table.c.id).where(table.c.dedupe_key == key)).first() is not None:
        return _refuse("duplicate", "read_at")
    session.execute(insert(table).values(meter_id=meter_id, read_at=_utc(read_at), total_m3=float(total_m3 or 0.0),
                                         target_m3=None, target_date=None, flow_m3h=None, alarms="",
                                         source="customer", raw_frame_id=None, dedupe_key=key,
                                         submitted_by=submitted_by))
    session.flush()
    return verdict
