"""Helpers for the ingest consumer tests: a simulated town and drive, a van publisher, `amr ingest serve`.

Everything is real: the town and drive come from the simulators, the database gets the town through
`amr import folder`, batches go through a real Mosquitto, and the consumer is the `amr` command in a
subprocess (so SIGKILL hits a real process).  The publisher behaves like a collector: it publishes each
batch with QoS 1 and publishes again any batch not receipted within a while.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
AMR = [sys.executable, "-c", "from cli import app; app()"]
LOCAL = ZoneInfo("Europe/Warsaw")


def run_amr(*args: object, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*AMR, *map(str, args)], cwd=ROOT, capture_output=True, text=True, timeout=timeout)


def process_parts(ingest_pids: set[int]) -> Iterator[tuple[str, int, float, float]]:
    """(part, pid, CPU seconds, peak RSS in MiB) of every process that plays a part in an ingest run, from
    Linux's /proc: ``serving`` (a pid of ``ingest_pids``, or multiprocessing's resource tracker under it),
    ``decode`` (its decode processes), ``postgres``, ``mosquitto``, ``publisher`` (this process)."""
    tick = os.sysconf("SC_CLK_TCK")
    me = os.getpid()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            status = Path(f"/proc/{entry}/status").read_text()
            cmdline = Path(f"/proc/{entry}/cmdline").read_bytes()
        except OSError:
            continue
        name = stat[stat.index("(") + 1:stat.rindex(")")]
        fields = stat.rsplit(")", 1)[1].split()
        pid, ppid = int(entry), int(fields[1])
        if pid in ingest_pids:
            part = "serving"
        elif ppid in ingest_pids:
            part = "decode" if b"spawn_main" in cmdline and b"resource_tracker" not in cmdline else "serving"
        elif name.startswith("postgres"):
            part = "postgres"
        elif name == "mosquitto":
            part = "mosquitto"
        elif pid == me:
            part = "publisher"
        else:
            continue
        hwm = next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:")), 0)
        yield part, pid, (int(fields[11]) + int(fields[12])) / tick, hwm / 1024


def make_town(folder: Path, meters: int = 60, seed: int = 3) -> tuple[Path, Path, list[dict[str, str]]]:
    """A town folder, its drive folder and the drive's heard rows."""
    town, drive = folder / "town", folder / "drive"
    out = run_amr("simulate", "town", "--meters", meters, "--seed", seed, "--out", town)
    assert out.returncode == 0, out.stderr
    out = run_amr("simulate", "drive", "--town", town, "--out", drive, "--seed", seed)
    assert out.returncode == 0, out.stderr
    with (drive / "heard.csv").open(newline="") as fh:
        heard = list(csv.DictReader(fh))
    return town, drive, heard


def utc_iso(local: str) -> str:
    """heard.csv's local wall-clock stamp as the UTC ISO 8601 a collector sends."""
    return dt.datetime.fromisoformat(local).replace(tzinfo=LOCAL).astimezone(dt.UTC).isoformat()


def records_of(heard: list[dict[str, str]]) -> list[dict[str, object]]:
    return [{"seq": i, "frame": r["frame"], "received_at": utc_iso(r["received_at"]), "rssi_dbm": float(r["rssi_dbm"]),
             "link_mode": r["link_mode"], "dongle": "sim", "heard_count": 1, "lat": float(r["lat"]),
             "lon": float(r["lon"])} for i, r in enumerate(heard)]


def batches_of(van: str, records: list[dict[str, object]], size: int, first_seq: int = 0) -> list[dict[str, object]]:
    return [{"van_id": van, "batch_seq": first_seq + i // size, "records": records[i:i + size]}
            for i in range(0, len(records), size)]


class Van:
    """A publisher that keeps every batch until its receipt arrives (like the collector's outbox)."""

    def __init__(self, port: int, resend_s: float = 5.0, keep_payloads: bool = True) -> None:
        import paho.mqtt.client as mqtt

        self.keep_payloads = keep_payloads
        self.receipts: dict[tuple[str, int], list[dict[str, int]]] = {}
        self.seen: list[bytes] = []  # every MQTT payload this van saw (batches and receipts), for the key grep
        self.lock = threading.Lock()
        self.resend_s = resend_s
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"van-{uuid.uuid4().hex[:8]}")
        self.client.on_message = self._on_message
        self.client.connect("127.0.0.1", port)
        self.client.subscribe("amr/v1/vans/+/receipts", qos=1)
        self.client.loop_start()

    def _on_message(self, _c: object, _u: object, msg: object) -> None:
        van = msg.topic.split("/")[3]  # type: ignore[attr-defined]
        body = json.loads(msg.payload)  # type: ignore[attr-defined]
        with self.lock:
            self.seen.append(msg.payload)  # type: ignore[attr-defined]
            self.last_receipt = time.monotonic()
            self.receipts.setdefault((van, body["batch_seq"]), []).append(body)

    def publish(self, payload: bytes, van: str) -> None:
        if self.keep_payloads:
            self.seen.append(payload)
        self.client.publish(f"amr/v1/vans/{van}/batches", payload, qos=1).wait_for_publish(10)

    def deliver(self, batches: list[tuple[str, int, bytes]], timeout: float = 120, pace_s: float = 0.0,
                during: object = None) -> float:
        """Publish every (van, batch_seq, payload) and wait for all receipts; resend the late ones."""
        start = time.monotonic()
        sent_at: dict[tuple[str, int], float] = {}
        for van, seq, payload in batches:
            self.publish(payload, van)
            sent_at[(van, seq)] = time.monotonic()
            if pace_s:
                time.sleep(pace_s)
        while True:
            with self.lock:
                missing = [b for b in batches if (b[0], b[1]) not in self.receipts]
            if not missing:
                return time.monotonic() - start
            if time.monotonic() - start > timeout:
                raise AssertionError(f"{len(missing)} batches never receipted, e.g. {missing[0][:2]}")
            for van, seq, payload in missing:
                if time.monotonic() - sent_at[(van, seq)] > self.resend_s:
                    self.publish(payload, van)
                    sent_at[(van, seq)] = time.monotonic()
            time.sleep(0.1)

    def close(self) -> None:
        self.client.loop_stop()
        self.client.disconnect()


class Ingest:
    """`amr ingest serve` as a subprocess, its stderr collected to a file."""

    def __init__(self, port: int, db_url: str, log: Path, client_id: str = "ingest-test") -> None:
        self.args = ["ingest", "serve", "--broker", f"mqtt://127.0.0.1:{port}", "--db", db_url,
                     "--client-id", client_id]
        self.log = log
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, wait_subscribed: bool = True) -> Ingest:
        fh = self.log.open("ab")
        start_size = self.log.stat().st_size
        self.proc = subprocess.Popen([*AMR, *self.args], cwd=ROOT, stdout=fh, stderr=fh,
                                     env={**os.environ, "PYTHONUNBUFFERED": "1"})
        fh.close()
        if wait_subscribed:
            deadline = time.monotonic() + 120
            while "subscribed to" not in self.log.read_bytes()[start_size:].decode(errors="replace"):
                if self.proc.poll() is not None:
                    raise AssertionError(f"ingest exited: {self.log.read_text()[-2000:]}")
                if time.monotonic() > deadline:
                    raise AssertionError(f"ingest did not subscribe: {self.log.read_text()[-2000:]}")
                time.sleep(0.05)
        return self

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def kill_run(port: int, db_url: str, folder: Path, heard: list[dict[str, str]], kills: int, vans: int = 4,
             batch_size: int = 5, corrupt_every: int = 37, seed: int = 1, cycle_s: float = 2.6) -> dict[str, object]:
    """Publish batches from several vans while SIGKILLing `amr ingest serve` ``kills`` times at random
    instants; then let a last worker finish and return what must be checked (see the kill tests)."""
    import random

    from ingest.consumer.payload import encode_batch

    rng = random.Random(seed)
    records = records_of(heard)
    for i in range(0, len(records), corrupt_every):  # undecodable frames must be quarantined exactly once
        records[i] = {**records[i], "frame": records[i]["frame"][:30]}  # type: ignore[index]
    batches: list[tuple[str, int, bytes]] = []
    rounds = max(1, (kills * 40) // max(1, vans * len(records) // batch_size))
    for k in range(vans):
        for r in range(rounds):
            for b in batches_of(f"van-{k}", records, batch_size, first_seq=r * 10_000):
                batches.append((str(b["van_id"]), int(b["batch_seq"]), encode_batch(b, "zlib" if k % 2 else "json")))
    rng.shuffle(batches)
    ingest = Ingest(port, db_url, folder / "ingest-kill.log", client_id="ingest-kill")
    done = threading.Event()
    killed: list[bool] = []  # per kill: were batches still unreceipted at that instant?
    van = Van(port, resend_s=8.0)

    def killer() -> None:
        try:
            while len(killed) < kills and not done.is_set():
                ingest.start()
                time.sleep(rng.uniform(0.05, 1.2))
                ingest.kill()
                with van.lock:
                    killed.append(len(van.receipts) < len(batches))
        finally:
            ingest.kill()
            ingest.start(wait_subscribed=False)  # the last worker drains what is left, whatever happened above

    t = threading.Thread(target=killer, daemon=True)
    t0 = time.monotonic()
    t.start()
    try:
        van.deliver(batches, timeout=max(600.0, 4 * kills * cycle_s), pace_s=kills * cycle_s / len(batches))
        t.join(max(600.0, 4 * kills * cycle_s))
    finally:
        done.set()
        van.close()
        ingest.stop()
    bad = {r["frame"] for r in records if len(str(r["frame"])) <= 30}
    return {"batches": batches, "receipts": van.receipts, "kills": len(killed), "kills_in_flow": sum(killed),
            "seconds": time.monotonic() - t0,
            "records": vans * rounds * len(records), "distinct": len({str(r["frame"]) for r in records} - bad),
            "corrupt": vans * rounds * sum(1 for r in records if str(r["frame"]) in bad), "log": ingest.log}
