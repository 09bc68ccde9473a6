"""SIGKILL the collector at random instants, then prove nothing accepted was lost or stored twice.

Shared by ``tests/test_collector_durability.py`` (20 kills) and ``benchmarks/collector_kill_bench.py``
(200). The killed process is the real ``amr collector run --port - --dongle hex`` when the CLI exists
(``collector_cmd``), else the harness built from the real Outbox and run_sync (``harness_cmd``).
"""

from __future__ import annotations

import asyncio
import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ACCEPTED = re.compile(rb"accepted seq=(\d+)\b(?:.*?frame=([0-9a-fA-F]+))?")


def harness_cmd(outbox: Path, broker_url: str, van_id: str) -> list[str]:
    return [sys.executable, str(ROOT / "tests" / "collector_harness.py"), "--outbox", str(outbox),
            "--broker", broker_url, "--van-id", van_id]


def cli_cmd(outbox: Path, broker_url: str, van_id: str) -> list[str]:
    """The real van service: ``amr collector run --port - --dongle hex --no-live``."""
    return [sys.executable, "-c", "from cli import app; app()", "collector", "run", "--port", "-", "--dongle", "hex",
            "--no-live", "--van-id", van_id, "--broker", broker_url, "--outbox", str(outbox)]


def real_cli_available() -> bool:
    """True once the VAN helper's ``amr collector run`` exists and takes ``--port``/``--outbox``."""
    if not (ROOT / "cli_collector.py").exists():
        return False
    try:
        out = subprocess.run([*cli_cmd(Path("x"), "mqtt://x", "v")[:5], "--help"], cwd=ROOT, capture_output=True,
                             timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return out.returncode == 0 and b"--outbox" in out.stdout and b"--port" in out.stdout


def collector_cmd_factory() -> tuple[str, object]:
    """Which collector the kill test kills: ``AMR_KILL_TARGET=cli|harness``, else the CLI when it exists."""
    choice = os.environ.get("AMR_KILL_TARGET", "auto")
    if choice == "cli" or (choice == "auto" and real_cli_available()):
        return "amr collector run", cli_cmd
    return "harness (real Outbox + run_sync)", harness_cmd


def make_frame(rng: random.Random) -> bytes:
    """A plausible wM-Bus frame: L C M M A×6 CI + random (encrypted-looking) bytes."""
    body = bytes([0x44, 0x01, 0x06]) + rng.randbytes(6) + bytes([0x7A]) + rng.randbytes(rng.randint(20, 60))
    return bytes([len(body)]) + body


def one_life(cmd: list[str], rng: random.Random, pool: list[bytes], kill_after: float
             ) -> list[tuple[int, str | None]]:
    """Start the collector, feed it frames until ``kill_after`` seconds, SIGKILL it, return its accepted lines."""
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            cwd=ROOT, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    lines: list[bytes] = []
    reader = threading.Thread(target=lambda: lines.extend(proc.stdout), daemon=True)
    reader.start()
    deadline = time.monotonic() + kill_after
    try:
        while time.monotonic() < deadline:
            chunk = []
            for _ in range(rng.randint(10, 50)):  # ~1,500 frames/s: size-triggered batches within a life
                if pool and rng.random() < 0.2:  # an identical frame heard again: must fold
                    chunk.append(rng.choice(pool[-30:]))
                else:
                    f = make_frame(rng)
                    pool.append(f)
                    chunk.append(f)
            proc.stdin.write(b"".join(f.hex().encode() + b"\n" for f in chunk))
            proc.stdin.flush()
            time.sleep(rng.uniform(0.002, 0.03))
    except (BrokenPipeError, OSError):
        pass
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    reader.join(5)
    out = []
    for line in lines:
        m = ACCEPTED.search(line)
        if m:
            out.append((int(m.group(1)), m.group(2).decode().lower() if m.group(2) else None))
    return out


def drain(outbox: Path, broker_url: str, van_id: str, timeout_s: float = 60.0) -> None:
    """Sync what is left with the real run_sync until nothing is unreceipted."""
    sys.path.insert(0, str(ROOT))
    from collector.sync import run_sync

    async def go() -> None:
        stop = asyncio.Event()
        stop.set()  # finish: drain and return
        await run_sync(outbox, broker_url, van_id, stop=stop, batch_max_records=200, drain_s=timeout_s, poll_s=0.05,
                       resend_after_s=5.0)

    asyncio.run(go())


def verify(outbox: Path, store: Path, accepted: list[tuple[int, str | None]], van_id: str) -> dict:
    """The acceptance checks; raises AssertionError with the first difference."""
    ob = sqlite3.connect(outbox)
    recs = {seq: (frame.hex(), count, synced, batch) for seq, frame, count, synced, batch in ob.execute(
        "SELECT seq, frame, heard_count, synced_us, batch_seq FROM records")}
    ob_batches = dict(ob.execute("SELECT batch_seq, n_records FROM batches"))
    st = sqlite3.connect(store)
    stored = {seq: (frame, count, b) for seq, frame, count, b in st.execute(
        "SELECT seq, frame, heard_count, batch_seq FROM records WHERE van_id = ?", (van_id,))}
    st_batches = dict(st.execute("SELECT batch_seq, n FROM batches WHERE van_id = ?", (van_id,)))
    dups = st.execute("SELECT count(*) FROM record_dups").fetchone()[0]
    resent = st.execute("SELECT count(*), coalesce(sum(deliveries - 1), 0) FROM batches WHERE deliveries > 1"
                        ).fetchone()
    logged = Counter(seq for seq, _ in accepted)
    for seq, frame in accepted:
        assert seq in recs or seq in stored, f"accepted seq={seq} is neither in the outbox nor receipted"
        have = recs[seq][0] if seq in recs else stored[seq][0]
        assert frame is None or have == frame, f"seq={seq}: outbox holds {have}, the log accepted {frame}"
    for seq, n in logged.items():
        assert recs[seq][1] >= n, f"seq={seq} logged {n} times but heard_count={recs[seq][1]}"
    unsynced = [s for s, r in recs.items() if r[2] is None]
    assert not unsynced, f"{len(unsynced)} records never receipted, e.g. seq={unsynced[:5]}"
    assert dups == 0, f"{dups} records arrived in two different batches"
    assert set(stored) == set(recs), f"store and outbox differ: {len(set(recs) ^ set(stored))} seqs"
    for seq, (frame, count, _synced, batch) in recs.items():
        assert stored[seq] == (frame, count, batch), f"seq={seq}: outbox {frame, count, batch} != stored {stored[seq]}"
    assert st_batches == ob_batches, "batches stored differ from batches in the outbox"
    return {"accepted_lines": len(accepted), "records": len(recs), "folded_receptions": sum(r[1] - 1
            for r in recs.values()), "batches": len(ob_batches), "batches_resent": resent[0],
            "duplicate_deliveries": resent[1]}


def run_kill_cycles(work: Path, broker_url: str, kills: int, seed: int, cmd_for=None, van_id: str = "van-kill",
                    max_life_s: float = 2.0) -> dict:
    """``kills`` lives of the collector, each SIGKILLed at a random instant; then drain and verify."""
    work.mkdir(parents=True, exist_ok=True)
    outbox, store = work / "outbox.sqlite", work / "store.sqlite"
    responder = subprocess.Popen([sys.executable, str(ROOT / "tests" / "receipt_responder.py"), "--broker",
                                  broker_url, "--db", str(store)], stdout=subprocess.PIPE, cwd=ROOT)
    try:
        assert responder.stdout.readline().strip() == b"ready", "responder did not start"
        rng = random.Random(seed)
        target, factory = ("given", cmd_for) if cmd_for else collector_cmd_factory()
        cmd = factory(outbox, broker_url, van_id)
        accepted: list[tuple[int, str | None]] = []
        pool: list[bytes] = []
        t0 = time.monotonic()
        for _ in range(kills):
            accepted += one_life(cmd, rng, pool, rng.uniform(0.25, max_life_s))
        lives_s = time.monotonic() - t0
        drain(outbox, broker_url, van_id)
        time.sleep(0.2)
    finally:
        responder.send_signal(signal.SIGTERM)
        responder.wait(10)
    result = verify(outbox, store, accepted, van_id)
    result.update(kills=kills, lives_s=round(lives_s, 1), target=target)
    return result
