"""The consumer's decode processes: same rows as decoding in the serving process, and no reading lost when
a decode process dies or when the serving process is killed under it.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from pathlib import Path

from db_urls import create_schema, sqlite_url
from ingest_radio import Ingest, Van, batches_of, make_town, process_parts, records_of, run_amr
from mosquitto_broker import Broker, mosquitto  # noqa: F401  (fixture)
from test_ingest_e2e import _rows

from ingest.consumer.payload import encode_batch

TOPIC = "amr/v1/vans/van-a/batches"


def _town_db(tmp_path: Path) -> tuple[str, list[dict[str, str]]]:
    town, _drive, heard = make_town(tmp_path, meters=40, seed=8)
    url = sqlite_url(tmp_path)
    create_schema(url)
    assert run_amr("import", "folder", town, "--db", url).returncode == 0
    return url, heard


def _decode_children(pid: int) -> list[int]:
    """The decode processes of serving process ``pid`` (not multiprocessing's resource tracker)."""
    return [p for part, p, _cpu, _hwm in process_parts({pid}) if part == "decode"]


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _wait(predicate: object, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def test_a_decode_process_gives_the_rows_of_decoding_here(tmp_path: Path) -> None:
    """Good frames, a corrupt one, a frame that is not hex and a malformed payload: identical outcomes."""
    from ingest.consumer.decode_process import Decoders
    from ingest.consumer.prepare import Preparer

    url, heard = _town_db(tmp_path)
    records = records_of(heard)[:60]
    records[7] = {**records[7], "frame": str(records[7]["frame"])[:24]}
    records[9] = {**records[9], "frame": "not hex"}
    work = [(TOPIC, encode_batch(b, "zlib")) for b in batches_of("van-a", records, 20)]
    work.append((TOPIC, b'{"van_id": "van-a", "batch_seq": 5, "records": [{"seq": "x"}]}'))

    async def through_processes() -> list[object]:
        decoders = Decoders(url, 1)
        try:
            return await decoders.prepare(work)
        finally:
            decoders.close()

    there = asyncio.run(through_processes())
    here = Preparer(url).prepare_many(work)
    assert [p.ready for p in there] == [p.ready for p in here]
    assert [str(p.error) for p in there] == [str(p.error) for p in here]
    assert here[-1].ready is None and "record 0: 'seq'" in str(here[-1].error) and here[-1].error.batch_seq == 5
    assert there[-1].error.van_id == "van-a" and there[-1].error.batch_seq == 5
    quarantined = [q[1] for p in here[:-1] for q in p.ready.quarantine]
    assert quarantined == ["corrupt", "corrupt"]
    assert sum(len(p.ready.readings) for p in here[:-1]) == 58


def test_decode_process_killed_then_serving_process_killed(mosquitto: Broker, tmp_path: Path) -> None:  # noqa: F811
    """SIGKILL the decode process mid-stream: it is started again and every batch is stored once.
    Then SIGKILL the serving process: its decode process exits by itself (no orphan keeps running)."""
    url, heard = _town_db(tmp_path)
    records = records_of(heard)
    plan = batches_of("van-a", records, 10)
    batches = [(str(b["van_id"]), int(b["batch_seq"]), encode_batch(b)) for b in plan]
    ingest = Ingest(mosquitto.port, url, tmp_path / "ingest.log").start()
    van = Van(mosquitto.port, resend_s=5.0)
    try:
        assert ingest.proc is not None
        _wait(lambda: len(_decode_children(ingest.proc.pid)) == 1, 30, "the decode process")
        first = _decode_children(ingest.proc.pid)[0]
        half = len(batches) // 2
        van.deliver(batches[:half], timeout=120)
        os.kill(first, signal.SIGKILL)
        van.deliver(batches, timeout=180)
        log = ingest.log.read_text()
        assert "decode process 0 died" in log and "starting it again" in log, log[-2000:]
        assert "Traceback" not in log
        second = _decode_children(ingest.proc.pid)
        assert len(second) == 1 and second[0] != first
        ingest.kill()
        _wait(lambda: not _running(second[0]), 20, "the orphaned decode process to exit")
    finally:
        van.close()
        ingest.stop()
    assert _rows(url, "SELECT count(*), count(DISTINCT van_id || ':' || batch_seq || ':' || seq) FROM raw_frames") \
        == [(len(records), len(records))]
    distinct = len({r["frame"] for r in heard})
    assert _rows(url, "SELECT count(*), count(DISTINCT dedupe_key) FROM readings WHERE raw_frame_id IS NOT NULL") \
        == [(distinct, distinct)]
    assert _rows(url, "SELECT count(*) FROM received_batches") == [(len(batches),)]


def test_a_decode_process_that_dies_twice_on_the_same_work_leaves_it_to_the_serving_process(tmp_path: Path) -> None:
    """Started again once; when the new process dies too, the serving process decodes the work itself."""
    import multiprocessing

    from ingest.consumer.decode_process import DecodeProcess, Decoders
    from ingest.consumer.prepare import Preparer

    url, heard = _town_db(tmp_path)
    work = [(TOPIC, encode_batch(b)) for b in batches_of("van-a", records_of(heard)[:30], 10)]
    logs: list[str] = []

    class Dying(DecodeProcess):
        def start(self) -> None:  # a process that exits at once, as one that crashes on its work would
            ctx = multiprocessing.get_context("spawn")
            here, there = ctx.Pipe()
            self.proc = ctx.Process(target=os._exit, args=(3,), daemon=True)
            self.proc.start()
            there.close()  # the process never had this end: its pipe is closed from the start
            self.conn = here

    async def run() -> list[object]:
        decoders = Decoders(url, 0, logs.append)
        decoders.procs = [Dying(url, logs.append)]
        try:
            return await decoders.prepare(work)
        finally:
            decoders.close()

    got = asyncio.run(run())
    assert [p.ready for p in got] == [p.ready for p in Preparer(url).prepare_many(work)]
    assert sum("decode process 0 died (exit code 3); starting it again" in line for line in logs) == 2, logs
    assert any("died twice on the same 3 messages; decoding them in the serving process" in line for line in logs)
