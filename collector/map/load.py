"""Where the map's data comes from: the van's outbox (in the van) or the ingest database (at the office).

Both give the same picture: the route's meters, which were heard, which carried an alarm in their
clear-text status byte (outbox) or decoded alarms (database), and the van's track from the positions
stamped on the frames. Reading is read-only in both cases.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from collector.coverage import RouteMeter, clear_text
from collector.map.render import MapMeter


def _meters(route: list[RouteMeter], heard: dict[str, int], alarms: dict[str, str]) -> list[MapMeter]:
    out = []
    for m in route:
        if m.lat is None or m.lon is None:
            continue
        n = heard.get(m.meter_id, 0)
        state = "alarm" if m.meter_id in alarms else "read" if n else "missed"
        detail = f"heard {n}×" + (f", {alarms[m.meter_id]}" if m.meter_id in alarms else "") if n else ""
        out.append(MapMeter(m.meter_id, m.lat, m.lon, state, m.address, detail))
    return out


def from_outbox(path: Path, route: list[RouteMeter]) -> tuple[list[MapMeter], list[tuple[float, float]]]:
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        rows = db.execute("SELECT frame, lat, lon, heard_count FROM records ORDER BY first_us").fetchall()
    finally:
        db.close()
    heard: dict[str, int] = {}
    alarms: dict[str, str] = {}
    track: list[tuple[float, float]] = []
    for frame, lat, lon, count in rows:
        h = clear_text(bytes(frame))
        if h is not None:
            heard[h.meter_id] = heard.get(h.meter_id, 0) + int(count or 1)
            if h.alarms:
                alarms[h.meter_id] = " ".join(h.alarms)
        if lat is not None and lon is not None:
            track.append((float(lat), float(lon)))
    return _meters(route, heard, alarms), track


def from_database(url: str, route: list[RouteMeter], van_id: str | None = None,
                  since: str | None = None) -> tuple[list[MapMeter], list[tuple[float, float]]]:
    from sqlalchemy import create_engine, text

    where, args = ["1 = 1"], {}
    if van_id:
        where.append("f.van_id = :van")
        args["van"] = van_id
    if since:
        where.append("f.received_at >= :since")
        args["since"] = since
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            frames = conn.execute(text(f"SELECT f.meter_id, f.lat, f.lon, f.heard_count FROM raw_frames f "
                                       f"WHERE {' AND '.join(where)} ORDER BY f.received_at, f.id"), args).all()
            alarm_rows = conn.execute(text(f"SELECT r.meter_id, r.alarms FROM readings r JOIN raw_frames f "
                                           f"ON f.id = r.raw_frame_id WHERE r.alarms <> '' AND "
                                           f"{' AND '.join(where)}"), args).all()
    finally:
        engine.dispose()
    heard: dict[str, int] = {}
    track = []
    for meter_id, lat, lon, count in frames:
        if meter_id:
            heard[meter_id] = heard.get(meter_id, 0) + int(count or 1)
        if lat is not None and lon is not None:
            track.append((float(lat), float(lon)))
    alarms = {m: a for m, a in alarm_rows}
    return _meters(route, heard, alarms), track
