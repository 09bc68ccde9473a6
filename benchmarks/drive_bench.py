"""Scale figure for the simulator: a 10,000-meter town and a full drive at unlimited speed.

Prints the wall time of each stage and the total:
  1. build the town and its ground truth (what `amr simulate town` does) and write it;
  2. simulate the full drive and write sent/heard/coverage/track/NMEA plus an iM871A stream;
  3. serve that drive on a pty at `--speed max` to a pyserial client that runs the iM871A
     command exchange (device info, ping, SET_CONFIG C1+T1) and reads every byte.
Target (issue 4): the whole thing in <= 60 s.

    python benchmarks/drive_bench.py [METERS] [SEED]
"""

from __future__ import annotations

import datetime as dt
import resource
import sys
import tempfile
import threading
import time
from pathlib import Path

import serial

from simulators.dongles.pty import VIRTUAL_DONGLES, PtyDongleServer
from simulators.drive import DriveSpec, simulate_drive
from simulators.drive.output import write_drive
from simulators.town.consumption import month_ends, simulate, write_events, write_readings
from simulators.town.folder import TownParams, write_params
from simulators.town.population import build_town, write_town

START, END, DAY = dt.date(2026, 1, 1), dt.date(2026, 12, 31), dt.date(2026, 10, 30)


def main() -> None:
    meters = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    out = Path(tempfile.mkdtemp(prefix="drive-bench-"))
    t0 = time.perf_counter()
    town = build_town(meters, seed, START, END)
    truth = simulate(town, seed)
    write_town(town, out)
    write_readings(truth, town, month_ends(START, END), out / "readings.csv")
    write_events(truth, out / "events.csv")
    write_params(TownParams(meters, seed, START, END), out)
    t1 = time.perf_counter()
    drive = simulate_drive(town, truth, DriveSpec(day=DAY, seed=seed))
    t2 = time.perf_counter()
    write_drive(drive, out / "drive", dongle="im871a")
    t3 = time.perf_counter()

    server = PtyDongleServer(VIRTUAL_DONGLES["im871a"](), drive.receptions(), speed=None, exit_when_done=True,
                             started_at=drive.started_utc)
    thread = threading.Thread(target=server.serve, daemon=True)
    thread.start()
    received = 0
    with serial.Serial(server.path, 57600, timeout=3.0) as port:  # the stream is built once configured
        port.write(bytes.fromhex("A5010F00"))
        port.write(bytes.fromhex("A5010100"))
        port.write(bytes.fromhex("A501030600020A300100"))
        while chunk := port.read(1 << 16):
            received += len(chunk)
    thread.join(timeout=30)
    t4 = time.perf_counter()

    s = drive.summary
    print(f"town: {len(town.meters)} meters, {len(town.premises)} premises: {t1 - t0:.1f} s (built, truth, written)")
    print(f"drive: {s['distance_km']} km, {s['duration_h']} h of driving; {s['transmissions_sent']} sent, "
          f"{s['transmissions_in_range']} in range, {s['frames_heard']} heard ({s['repeats_heard']} repeats), "
          f"{s['collisions']} collisions; {s['meters_heard']} meters heard, {s['meters_missed']} missed: "
          f"simulated {t2 - t1:.1f} s, written {t3 - t2:.1f} s")
    print(f"pty im871a at --speed max: {server.report.telegrams_written} telegrams, {received} bytes read by "
          f"pyserial (includes 3 replies): {t4 - t3:.1f} s")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"total {t4 - t0:.1f} s (target <= 60 s), peak RSS {peak:.0f} MiB; files in {out}")


if __name__ == "__main__":
    main()
