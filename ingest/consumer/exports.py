"""Collector exports (JSON Lines of contract-2 record objects) cut into batches for ``store_with_retry``.

A line may carry ``van_id`` and ``batch_seq`` (then it joins that batch, exactly as if it had come over
MQTT, so an export of batches already received is all duplicates).  Lines without ``batch_seq`` are
grouped in runs of ``CHUNK`` lines; each run gets a negative batch number derived from the van and the
run's ``seq`` values, so importing the same file again finds the same batches stored and changes
nothing, and no such number can collide with a van's own (non-negative) ``batch_seq``.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from ingest.consumer.payload import Batch, PayloadError, Record, parse_record

CHUNK = 1000


class ExportError(ValueError):
    """A bad export line; the message names the file and line."""


def read_export(path: Path, van: str | None) -> list[Batch]:
    keyed: dict[tuple[str, int], list[Record]] = {}
    loose: dict[str, list[Record]] = {}
    with path.open("rb") as fh:
        for lineno, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            where = f"{path}: line {lineno}"
            try:
                obj = json.loads(line)
            except (json.JSONDecodeError, UnicodeDecodeError) as exc:
                raise ExportError(f"{where}: not JSON ({exc})") from None
            try:
                rec = parse_record(obj, where)
            except PayloadError as exc:
                raise ExportError(str(exc)) from None
            v = obj.get("van_id", van)
            if not isinstance(v, str) or not v:
                raise ExportError(f"{where}: no van_id on the line and no --van given")
            bs = obj.get("batch_seq")
            if bs is None:
                loose.setdefault(v, []).append(rec)
            elif isinstance(bs, bool) or not isinstance(bs, int) or bs < 0:
                raise ExportError(f"{where}: 'batch_seq' must be a non-negative integer")
            else:
                keyed.setdefault((v, bs), []).append(rec)
    batches = [Batch(v, bs, recs) for (v, bs), recs in keyed.items()]
    for v, recs in loose.items():
        for i in range(0, len(recs), CHUNK):
            run = recs[i:i + CHUNK]
            digest = hashlib.sha256(f"{v}|{','.join(str(r.seq) for r in run)}".encode()).hexdigest()
            batches.append(Batch(v, -1 - int(digest[:7], 16), run))
    for b in batches:
        if len({r.seq for r in b.records}) != len(b.records):
            raise ExportError(f"{path}: batch {b.van_id}/{b.batch_seq} has two records with one seq")
    return batches
