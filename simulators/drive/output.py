"""Write a simulated drive to a folder: what was sent, what should be heard, the truth, the GPS.

Files (CSV so a tester can open them in a spreadsheet; every number formatted here so the bytes
depend only on the values):

* `sent.csv` — every transmission while the van was within radio range, with distance, received
  power and outcome (`heard`, `too_weak`, `collision`); the many more sent out of range are
  counted per meter in `coverage.csv`;
* `heard.csv` — the frames a C1+T1 receiver delivers (what the collector must store, repeats
  included), with the values each frame carries and the van's position;
* `coverage.csv` — per meter: sent, in range, heard, first heard, true registers at the drive's
  start and end (the crew's "who did we miss" list, and the tester's ground truth);
* `track.csv` and `track.nmea` — the van's 1 Hz GPS log (NMEA: GGA + RMC, UTC);
* `drive.json` — the summary;
* `stream-<dongle>.bin` and `stream-<dongle>-faults.csv` when a dongle is asked for.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv

from simulators.dongles import ENCODERS, Faults, build_stream
from simulators.drive import Drive
from simulators.drive.nmea import gga, rmc


def _csv(frame: pd.DataFrame, path: Path) -> None:
    """pyarrow's writer: a 10,000-meter drive has ~450,000 transmission rows, 5x faster than pandas."""
    table = pa.Table.from_pandas(frame, preserve_index=False)
    pa_csv.write_csv(table, path, pa_csv.WriteOptions(quoting_style="needed"))


def nmea_lines(drive: Drive) -> list[bytes]:
    """GGA and RMC once a second along the track (UTC, as a GPS puck sends them)."""
    start = drive.started_utc
    tr = drive.track
    out: list[bytes] = []
    for t, lat, lon, v, course in zip(tr.t_s, tr.lat, tr.lon, tr.speed_kmh, tr.course_deg, strict=True):
        at = start + dt.timedelta(seconds=float(t))
        out.append(gga(at, float(lat), float(lon)))
        out.append(rmc(at, float(lat), float(lon), float(v), float(course)))
    return out


def nmea_schedule(drive: Drive) -> list[tuple[float, bytes]]:
    """`nmea_lines` paired with their drive second (GGA and RMC share one), for a pty GPS puck."""
    return list(zip(drive.track.t_s.repeat(2).tolist(), nmea_lines(drive), strict=True))


def write_drive(drive: Drive, out: Path, *, dongle: str | None = None, faults: Faults | None = None,
                seed: int = 0) -> dict[str, int]:
    """Write every file of the drive; returns rows per file."""
    out.mkdir(parents=True, exist_ok=True)
    heard = drive.heard.drop(columns=[c for c in drive.heard.columns if c.startswith("_")])
    _csv(drive.sent, out / "sent.csv")
    _csv(heard, out / "heard.csv")
    _csv(drive.coverage, out / "coverage.csv")
    tr = drive.track
    start = pd.Timestamp(drive.started_at)
    track = pd.DataFrame({
        "at": (start + pd.to_timedelta(tr.t_s, unit="s")).strftime("%Y-%m-%dT%H:%M:%S"),
        "lat": [f"{v:.6f}" for v in tr.lat], "lon": [f"{v:.6f}" for v in tr.lon],
        "speed_kmh": tr.speed_kmh, "course_deg": [f"{v:.1f}" for v in tr.course_deg],
    })
    _csv(track, out / "track.csv")
    (out / "track.nmea").write_bytes(b"".join(nmea_lines(drive)))
    counts = {"sent": len(drive.sent), "heard": len(heard), "coverage": len(drive.coverage), "track": len(track)}
    if dongle is not None:
        stream = build_stream(ENCODERS[dongle](), drive.receptions(), faults, seed)
        (out / f"stream-{dongle}.bin").write_bytes(stream.data)
        log = pd.DataFrame([(f.kind, f.frame_index, f.offset, f.length, f.detail) for f in stream.faults],
                           columns=["kind", "frame_index", "offset", "length", "detail"])
        _csv(log, out / f"stream-{dongle}-faults.csv")
        counts["stream_bytes"] = len(stream.data)
        counts["faults"] = len(log)
    (out / "drive.json").write_text(json.dumps(drive.summary, indent=2) + "\n", encoding="utf-8")
    return counts
