"""Importers: master data, keys, tariffs and readings from the billing file formats into the database.

``import_file`` loads one file of one kind, ``import_folder`` a whole billing input folder (such as one
written by ``amr simulate town``) in dependency order.  Both run in the caller's session and raise
``ImportRejected`` before anything is committed when any row is bad, so the caller commits only a
fully valid import: the database is either changed by the whole file (folder) or not at all.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy.orm import Session

from ingest.billing_inputs import BillingInputError, _read_file
from ingest.importers.billed import import_billed_registers
from ingest.importers.errors import ImportRejected, Problem
from ingest.importers.keys import import_keys
from ingest.importers.master import MASTER, TableReport, import_master
from ingest.importers.readings import import_readings

KINDS = ("customers", "premises", "contracts", "meters", "keys", "tariffs", "abonaments", "readings",
         "billing_periods", "norms", "billed_registers")
# a folder is imported parents first, so each file's references find their rows
FOLDER_ORDER = ("customers", "norms", "premises", "tariffs", "abonaments", "contracts", "meters",
                "billing_periods", "keys", "readings", "billed_registers")


def _read(path: Path) -> tuple[object, bool]:
    if not path.is_file():
        raise ImportRejected([Problem(path.name, None, None, "file does not exist")])
    if path.suffix not in (".csv", ".parquet"):
        raise ImportRejected([Problem(path.name, None, None, "must be a .csv or .parquet file")])
    try:
        return _read_file(path), path.suffix != ".parquet"
    except BillingInputError as exc:
        raise ImportRejected([Problem(path.name, None, None, str(exc).split(": ", 1)[-1])]) from None


def import_file(session: Session, kind: str, path: Path, source: str | None = None,
                now: dt.datetime | None = None) -> TableReport:
    """Import one file of ``kind`` (see KINDS); raises ImportRejected with every bad row."""
    path = Path(path)
    if kind == "keys":
        if not path.is_file():
            raise ImportRejected([Problem(path.name, None, None, "file does not exist")])
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise ImportRejected([Problem(path.name, None, None, f"cannot be read: {exc}")]) from None
        return import_keys(session, text, path.name)
    raw, csv = _read(path)
    if kind == "readings":
        return import_readings(session, raw, path.name, csv, source=source,  # type: ignore[arg-type]
                               submitted_by=f"import:{path.name}", now=now)
    if kind == "billed_registers":
        return import_billed_registers(session, raw, path.name, csv)
    if kind not in MASTER:
        raise ImportRejected([Problem(path.name, None, None, f"unknown kind {kind!r}")])
    return import_master(session, kind, raw, path.name, csv)  # type: ignore[arg-type]


def folder_files(folder: Path) -> list[tuple[str, Path]]:
    """(kind, file) of every importable file in ``folder``, in dependency order."""
    out = []
    for kind in FOLDER_ORDER:
        found = [p for p in (folder / f"{kind}.csv", folder / f"{kind}.parquet") if p.is_file()]
        if len(found) > 1:
            raise ImportRejected([Problem(found[0].name, None, None, f"both {kind}.csv and {kind}.parquet exist; "
                                          "keep one")])
        if found:
            out.append((kind, found[0]))
    return out


def import_folder(session: Session, folder: Path, now: dt.datetime | None = None) -> list[TableReport]:
    """Import every known file of a billing input folder; the first rejected file stops the import."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ImportRejected([Problem(str(folder), None, None, "folder does not exist")])
    return [import_file(session, kind, path, now=now) for kind, path in folder_files(folder)]


__all__ = ["KINDS", "ImportRejected", "Problem", "TableReport", "import_file", "import_folder"]
