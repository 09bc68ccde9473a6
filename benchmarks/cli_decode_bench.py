"""`amr decode --file` against the in-process decoder on the same stream, side by side.

The stream is the public vectors (priors first) cycled to N lines of hex, decoded with their
keys. Printed in one run:
- in-process: `Decoder.decode_safe` + `Telegram.json_line` (the full record, records included,
  as JSON: the work the CLI does per line) without start-up or file I/O; for reference decode
  alone and decode + `to_json` + orjson (the dict path, same bytes);
- CLI: `amr decode --file STREAM --keys KEYS > out.jsonl` wall-clock, start-up included, and
  its share of the in-process rate;
- peak RSS of the CLI on a stream of BIG lines (memory must stay flat: nothing is kept);
  BIG = 0 skips that run.
Usage: python benchmarks/cli_decode_bench.py [N] [BIG]   (defaults 100000 and 1000000)
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import orjson

from benchmarks._vectors import load_vectors
from decoders import Decoder, KeyStore, parse_hex


def _stream_and_keys() -> tuple[list[str], str]:
    lines: list[str] = []
    keys: dict[str, str] = {}
    for v in load_vectors():
        if v["key"] and len(v["key"]) == 32 and len(v["id"]) == 8:
            keys[v["id"].lower()] = v["key"]
        lines += v["prior_telegrams_hex"]
        lines.append(v["telegram_hex"])
    csv = "id,key\n" + "".join(f"{i},{k}\n" for i, k in keys.items())
    return lines, csv


def _write_stream(path: Path, lines: list[str], n: int) -> None:
    with path.open("w") as f:
        for i in range(n):
            f.write(lines[i % len(lines)])
            f.write("\n")


def _amr() -> list[str]:
    exe = Path(sys.executable).with_name("amr")
    return [str(exe)] if exe.exists() else [sys.executable, "-c", "import cli; cli.app()"]


def _run_cli(stream: Path, keys: Path, out: Path) -> tuple[float, float, int]:
    """Wall-clock seconds, peak RSS in MiB and exit code of one `amr decode` run."""
    start = time.perf_counter()
    with out.open("wb") as sink:
        proc = subprocess.Popen([*_amr(), "decode", "--file", str(stream), "--keys", str(keys)], stdout=sink)
        _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    return elapsed, usage.ru_maxrss / 1024, proc.returncode


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    big = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000
    lines, csv = _stream_and_keys()
    keys = KeyStore.from_csv_text(csv)
    raw = [parse_hex(lines[i % len(lines)]) for i in range(n)]
    dumps = orjson.dumps
    newline = orjson.OPT_APPEND_NEWLINE

    decoder = Decoder(keys)
    start = time.perf_counter()
    size = 0
    for frame in raw:
        size += len(decoder.decode_safe(frame).json_line())
    full = time.perf_counter() - start

    decoder = Decoder(keys)
    start = time.perf_counter()
    for frame in raw:
        dumps(decoder.decode_safe(frame).to_json(), option=newline)
    dict_path = time.perf_counter() - start

    decoder = Decoder(keys)
    start = time.perf_counter()
    for frame in raw:
        decoder.decode_safe(frame)
    bare = time.perf_counter() - start

    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        (d / "keys.csv").write_text(csv)
        _write_stream(d / "stream.txt", lines, n)
        cli_s, cli_rss, code = _run_cli(d / "stream.txt", d / "keys.csv", d / "out.jsonl")
        out_lines = sum(1 for _ in (d / "out.jsonl").open("rb"))
        if big:
            _write_stream(d / "big.txt", lines, big)
            big_s, big_rss, _ = _run_cli(d / "big.txt", d / "keys.csv", d / "big.jsonl")

    in_rate, cli_rate = n / full, n / cli_s
    print(f"stream: {n} lines ({len(lines)} distinct telegrams cycled), keys for every encrypted meter")
    print(f"in-process decode only:                 {n / bare:>9,.0f} telegrams/s")
    print(f"in-process decode + json_line:          {in_rate:>9,.0f} telegrams/s  ({size / 2**20:.1f} MiB of JSON)")
    print(f"in-process decode + to_json + orjson:   {n / dict_path:>9,.0f} telegrams/s  (the dict path, same bytes)")
    print(f"amr decode --file, start-up included:   {cli_rate:>9,.0f} telegrams/s  ({cli_s:.2f} s, exit {code}, "
          f"{out_lines} lines out)")
    print(f"CLI / in-process (full records):        {cli_rate / in_rate:>9.0%}   (target >= 50 %, >= 40,000/s)")
    print(f"peak RSS, amr decode on {n:,} lines:     {cli_rss:>6.1f} MiB")
    if big:
        print(f"peak RSS, amr decode on {big:,} lines:   {big_rss:>6.1f} MiB  ({big / big_s:,.0f} telegrams/s; "
              f"target <= 100 MiB)")


if __name__ == "__main__":
    main()
