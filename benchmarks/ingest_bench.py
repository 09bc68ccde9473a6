"""Ingest throughput: N distinct frames through a real Mosquitto into SQLite, then PostgreSQL, with keys.

Builds a simulated town (`amr simulate town`), imports it (`amr import folder`, keys included),
encodes N distinct telegrams of the town's meters (every family, advancing access counters), and
publishes them as contract-2 batches while `amr ingest serve` workers (real subprocesses) store them.
The rate is N / (first publish → last receipt).  Printed side by side, from the same run: the bare
decode rate of these very frames (one core, the `Decoder` alone) and `benchmarks/decode_bench.py`'s
figure on the public vectors.  Every configuration is checked afterwards: N archived frames and N
readings, or the figure is not printed.

Each configuration also prints the CPU time per frame of every part (the serving processes, their
decode processes, PostgreSQL, Mosquitto and this publisher), read from /proc over the run, to show
where the 2 cores went.

Usage: python benchmarks/ingest_bench.py [N] [--meters M] [--batch B] [--pg URL] [--configs sqlite:1,pg:1,pg:2]
                                         [--decode-processes D] [--group-max G]
(``--pg`` defaults to $AMR_BENCH_PG_URL; without it the PostgreSQL configurations are skipped, said so.)
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from db_urls import create_schema, reset_postgres  # noqa: E402
from ingest_radio import Ingest, Van, process_parts, run_amr  # noqa: E402
from mosquitto_broker import Broker  # noqa: E402

from decoders import Decoder  # noqa: E402
from decoders.keystore import KeyStore  # noqa: E402
from ingest.consumer.payload import encode_batch  # noqa: E402
from simulators.encoder import MeterState, encode  # noqa: E402


def make_frames(town: Path, n: int) -> list[str]:
    with (town / "radio.csv").open(newline="") as fh:
        radio = list(csv.DictReader(fh))
    keys = dict(line.split(",")[:2] for line in (town / "keys.csv").read_text().split()[1:])
    frames: list[str] = []
    k = 0
    while len(frames) < n:
        for r in radio:
            state = MeterState(r["meter_id"], r["manufacturer"], int(r["version"]), int(r["device_type"]),
                               key=bytes.fromhex(keys.get(r["meter_id"], "00" * 16)), access_counter=1000 + k,
                               total_l=10_000 + 17 * k, target_l=9_000, target_date=dt.date(2026, 11, 30),
                               flow_lph=k % 50)
            frames.append(encode(r["family"], state).hex().upper())
            if len(frames) == n:
                break
        k += 1
    return frames


def bare_decode_rate(town: Path, frames: list[str]) -> tuple[float, int]:
    dec = Decoder(KeyStore.from_csv_text((town / "keys.csv").read_text()))
    raw = [bytes.fromhex(f) for f in frames]
    t0 = time.perf_counter()
    errors = sum(dec.decode_safe(f).error is not None for f in raw)
    return len(raw) / (time.perf_counter() - t0), errors


def decode_bench_rate(n: int) -> str:
    out = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "decode_bench.py"), str(n), "2"],
                         capture_output=True, text=True, timeout=900).stdout
    m = re.search(r"throughput: ([\d,]+) telegrams/s best", out)
    return m.group(1) if m else "?"


def count(url: str, sql: str) -> int:
    from sqlalchemy import text

    from ingest.models.base import make_engine

    engine = make_engine(url)
    with engine.connect() as conn:
        n = int(conn.execute(text(sql)).scalar_one())
    engine.dispose()
    return n


def cpu_by_part(ingest_pids: set[int]) -> dict[str, float]:
    """CPU seconds so far of every process, summed by the part it plays."""
    parts: dict[str, float] = {}
    for part, _pid, cpu, _hwm in process_parts(ingest_pids):
        parts[part] = parts.get(part, 0.0) + cpu
    return parts


def peak_rss_mib(ingest_pids: set[int]) -> dict[str, float]:
    """Largest peak RSS of a serving process and of a decode process, in MiB."""
    out = {"serving": 0.0, "decode": 0.0}
    for part, pid, _cpu, hwm in process_parts(ingest_pids):
        if part == "decode" or pid in ingest_pids:
            out[part] = max(out[part], hwm)
    return out


def run_config(db: str, url: str, workers: int, town: Path, payloads: list[tuple[str, int, bytes]], n: int,
               folder: Path, extra_args: list[str]) -> float:
    if db == "pg":
        reset_postgres(url)
    create_schema(url)
    out = run_amr("import", "folder", town, "--db", url)
    if out.returncode != 0:
        raise SystemExit(f"import failed: {out.stderr}")
    broker = Broker(folder / f"mq-{db}-{workers}").start()
    procs = [Ingest(broker.port, url, folder / f"ingest-{db}-{workers}-{i}.log", client_id=f"bench-{i}")
             for i in range(workers)]
    for p in procs:
        p.args += extra_args
        p.start()
    van = Van(broker.port, resend_s=600, keep_payloads=False)
    pids = {p.proc.pid for p in procs if p.proc is not None}
    try:
        before = cpu_by_part(pids)
        t0 = time.monotonic()
        van.deliver(payloads, timeout=3600)
        elapsed = van.last_receipt - t0
        after = cpu_by_part(pids)
        rss = peak_rss_mib(pids)
    finally:
        van.close()
        for p in procs:
            p.stop()
        broker.stop()
    frames = count(url, "SELECT count(*) FROM raw_frames")
    readings = count(url, "SELECT count(*) FROM readings WHERE raw_frame_id IS NOT NULL")
    quarantined = count(url, "SELECT count(*) FROM quarantine")
    if frames != n or readings + quarantined != n:
        raise SystemExit(f"{db} x{workers}: {frames} frames archived, {readings} readings, {quarantined} "
                         f"quarantined for {n} sent: not exactly once")
    print(f"  {db:6} {workers} worker(s): {n:,} frames in {elapsed:.1f} s = {n / elapsed:,.0f} frames/s "
          f"({readings:,} readings, {quarantined} quarantined)", flush=True)
    used = {k: after.get(k, 0.0) - before.get(k, 0.0) for k in after}
    print("    CPU per frame: " + ", ".join(f"{k} {1e6 * v / n:.1f} µs" for k, v in sorted(used.items()) if v > 0)
          + f"; all {1e6 * sum(used.values()) / n:.1f} µs = {sum(used.values()) / elapsed:.2f} cores busy", flush=True)
    print(f"    peak RSS per worker: serving process {rss['serving']:.0f} MiB, decode process {rss['decode']:.0f} MiB",
          flush=True)
    return n / elapsed


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("n", type=int, nargs="?", default=1_000_000)
    ap.add_argument("--meters", type=int, default=2000)
    ap.add_argument("--batch", type=int, default=500)
    ap.add_argument("--pg", default=os.environ.get("AMR_BENCH_PG_URL"))
    ap.add_argument("--configs", default="sqlite:1,pg:1,pg:2")
    ap.add_argument("--decode-processes", type=int, default=None,
                    help="passed to every `amr ingest serve` (default: the command's own default)")
    ap.add_argument("--group-max", type=int, default=None, help="idem")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        town = folder / "town"
        out = run_amr("simulate", "town", "--meters", args.meters, "--seed", 11, "--out", town)
        if out.returncode != 0:
            raise SystemExit(out.stderr)
        t0 = time.perf_counter()
        frames = make_frames(town, args.n)
        print(f"frames: {args.n:,} distinct telegrams of {args.meters} meters encoded in "
              f"{time.perf_counter() - t0:.0f} s; batches of {args.batch}", flush=True)
        bare, errors = bare_decode_rate(town, frames)
        vectors = decode_bench_rate(100_000)
        print(f"bare decode, these frames, one core: {bare:,.0f} frames/s ({errors} errors); "
              f"decode_bench.py (public vectors, best pass): {vectors} telegrams/s", flush=True)
        start = dt.datetime.now(dt.UTC)
        payloads = []
        for i in range(0, args.n, args.batch):
            # Each record its own reception instant, as a van's are (ms apart): no cache sees repeats.
            recs = [{"seq": j, "frame": f, "received_at": (start + dt.timedelta(milliseconds=i + j)).isoformat(),
                     "rssi_dbm": -80.0} for j, f in enumerate(frames[i:i + args.batch])]
            payloads.append(("bench", i // args.batch, encode_batch({"van_id": "bench", "batch_seq": i // args.batch,
                                                                     "records": recs})))
        del frames
        results: dict[str, float] = {}
        for cfg in args.configs.split(","):
            db, workers = cfg.split(":")
            if db == "pg" and not args.pg:
                print(f"  {cfg}: skipped (no --pg URL and AMR_BENCH_PG_URL unset)")
                continue
            url = args.pg if db == "pg" else f"sqlite:///{folder / f'bench-{workers}.db'}"
            extra = [*(["--decode-processes", str(args.decode_processes)] if args.decode_processes is not None else []),
                     *(["--group-max", str(args.group_max)] if args.group_max is not None else [])]
            results[cfg] = run_config(db, url, int(workers), town, payloads, args.n, folder, extra)
        print("summary (frames/s; % of the bare decode rate of the same frames):")
        for cfg, rate in results.items():
            print(f"  {cfg:8} {rate:10,.0f}  {100 * rate / bare:5.1f} %")
        if "pg:1" in results and "pg:2" in results:
            print(f"  PostgreSQL scaling 1 -> 2 workers: x{results['pg:2'] / results['pg:1']:.2f} "
                  f"(2 cores shared with the broker, the publisher and PostgreSQL)")


if __name__ == "__main__":
    main()
