"""Load the billing inputs from a folder of CSV or Parquet files, validating every row.

This is the I/O side of billing: ``billing_rules`` never reads files.  Any system (our ingest store,
another utility system, the town simulator) feeds billing by writing the files below into one folder.
Each table may be ``NAME.csv`` (UTF-8, comma-separated, header row) or ``NAME.parquet``; not both.
In CSV every value is read as text first, so meter ids keep their leading zeros; an empty cell is a
missing value.  In Parquet, id columns must be strings (an integer meter_id has already lost its
leading zeros and is rejected).

Formats (column: type; ``?`` = optional column or empty cell allowed)

customers
    customer_id: text, unique;  name?: text;  address?: text (postal address for the invoice; the
    premises address when empty)
premises
    premises_id: text, unique;  address?: text;  persons?: integer >= 0 (people registered, for norms);
    norm_category?: text, a category of the norm table (default table: T1-1 … T1-5 = Tabela 1 Lp. 1–5);
    sewered: bool (connected to the public sewer; selects the norm value and the sewage service)
contracts
    contract_id: text, unique;  customer_id: text (in customers);  premises_id: text (in premises);
    tariff_group: text (in tariffs);  cycle_months: integer 0, 1, 2, 3, 4, 6 or 12 (0 = custom
    periods from billing_periods);  cycle_anchor_month?: 1–12, a month in which a cycle ends
    (default settings cycles.default_anchor_month = 12);  settlement: ``e-invoice`` | ``paper``;
    water_service?: bool (default true);  sewage_service?: bool (default = premises.sewered);
    sewage_fixed_m3?: number, m³ of sewage per month fixed by the contract;  start_date: date;
    end_date?: date (last day of supply)
meters
    meter_id: 8 digits as printed on the meter, unique;  premises_id: text;
    role: ``main`` | ``garden`` | ``sewage`` | ``intake``;  manufacturer?: text (3-letter code);
    install_date: date;  removal_date?: date (last day in service);  initial_m3?: number (register at
    installation);  final_m3?: number (register at removal);  register_digits?: integer (digits before
    the decimal point; the register rolls over at 10**digits m³) or rollover_m3?: number;
    legalised_until?: date;  sealed?: bool;  registered?: bool (both default false, they matter for
    garden submeters);  faulty_from?: date;  faulty_to?: date (empty = still faulty);
    replaces_meter_id?: 8 digits (the meter this one replaced)
readings
    meter_id: 8 digits as printed;  read_at: ISO 8601 date-time (``2026-10-30T08:15:00``; an offset or
    ``Z`` is converted to Polish local time, a naive value is taken as local time);  total_m3?: number;
    target_m3?: number (due-date register);  target_date?: date (the day target_m3 was frozen; by
    default its value is taken at the end of that day, settings readings.due_date_convention);
    source: ``van`` | ``customer`` | ``manual`` | ``import``;  alarms?: text, space-separated
    normalised names (LEAK BURST BACKFLOW DRY TAMPER MAGNET REMOVAL LOW_BATTERY …).
    At least one of total_m3 and target_m3 per row.
tariffs
    tariff_group: text;  valid_from: date;  valid_to?: date (inclusive; empty = until replaced);
    water_m3_net: number (zł/m³, at most 4 decimals);  sewage_m3_net: number.  Rows of one group may
    not overlap.
abonaments
    tariff_group: text;  valid_from: date;  valid_to?: date;  basis: ``meter`` | ``norm``;
    settlement: ``e-invoice`` | ``paper``;  abonament_month_net: number (zł per month).
billing_periods (optional file)
    contract_id: text;  period_start: date;  period_end: date (inclusive)
billed_registers (optional file; the ``*-registers`` output of the previous run)
    meter_id: 8 digits;  boundary_date: date (last day of the billed period);  register_m3: number;
    basis?: text (reading | due-date register | estimate …)
norms (optional file, replaces the shipped Tabela 1)
    norm_category: text;  sewered: bool;  m3_per_person_month: number
settings.json (optional) overrides any key of ``billing_rules/data/settings.json``.

Booleans are ``true``/``false`` (also 1/0, yes/no, t/f); dates are ``YYYY-MM-DD``.
Bad input raises :class:`BillingInputError`, whose message names the file, row and column.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from billing_rules.types import ABONAMENT_BASES, ROLES, SETTLEMENTS, SOURCES, BillingInputs, Rules

LOCAL_TZ = "Europe/Warsaw"
METER_ID = re.compile(r"^\d{8}$")
TRUE = {"true", "1", "yes", "t", "y"}
FALSE = {"false", "0", "no", "f", "n"}


class BillingInputError(ValueError):
    """One clear line about the first bad value: file, row, column and what is wrong."""

    def __init__(self, file: str, message: str, row: int | None = None, column: str | None = None,
                 line: int | None = None) -> None:
        where = file
        if row is not None:
            where += f", row {row}" + (f" (line {line})" if line is not None else "")
        if column is not None:
            where += f", column {column}"
        super().__init__(f"{where}: {message}")


@dataclass(frozen=True)
class Col:
    """One column of an input table."""

    name: str
    kind: str  # id, meter_id, text, date, datetime, number, integer, bool, or "enum"
    required: bool = True  # column must exist
    nullable: bool = False  # cells may be empty
    choices: tuple[str, ...] = ()
    min_value: float | None = None
    max_decimals: int | None = None


SCHEMAS: dict[str, list[Col]] = {
    "customers": [Col("customer_id", "id"), Col("name", "text", required=False, nullable=True),
                  Col("address", "text", required=False, nullable=True)],
    "premises": [
        Col("premises_id", "id"), Col("address", "text", required=False, nullable=True),
        Col("persons", "integer", required=False, nullable=True, min_value=0),
        Col("norm_category", "text", required=False, nullable=True), Col("sewered", "bool"),
    ],
    "contracts": [
        Col("contract_id", "id"), Col("customer_id", "id"), Col("premises_id", "id"), Col("tariff_group", "id"),
        Col("cycle_months", "enum", choices=("0", "1", "2", "3", "4", "6", "12")),
        Col("cycle_anchor_month", "integer", required=False, nullable=True, min_value=1),
        Col("settlement", "enum", choices=SETTLEMENTS),
        Col("water_service", "bool", required=False, nullable=True),
        Col("sewage_service", "bool", required=False, nullable=True),
        Col("sewage_fixed_m3", "number", required=False, nullable=True, min_value=0),
        Col("start_date", "date"), Col("end_date", "date", required=False, nullable=True),
    ],
    "meters": [
        Col("meter_id", "meter_id"), Col("premises_id", "id"), Col("role", "enum", choices=ROLES),
        Col("manufacturer", "text", required=False, nullable=True), Col("install_date", "date"),
        Col("removal_date", "date", required=False, nullable=True),
        Col("initial_m3", "number", required=False, nullable=True, min_value=0),
        Col("final_m3", "number", required=False, nullable=True, min_value=0),
        Col("register_digits", "integer", required=False, nullable=True, min_value=1),
        Col("rollover_m3", "number", required=False, nullable=True, min_value=1),
        Col("legalised_until", "date", required=False, nullable=True),
        Col("sealed", "bool", required=False, nullable=True),
        Col("registered", "bool", required=False, nullable=True),
        Col("faulty_from", "date", required=False, nullable=True),
        Col("faulty_to", "date", required=False, nullable=True),
        Col("replaces_meter_id", "meter_id", required=False, nullable=True),
    ],
    "readings": [
        Col("meter_id", "meter_id"), Col("read_at", "datetime"),
        Col("total_m3", "number", required=False, nullable=True, min_value=0),
        Col("target_m3", "number", required=False, nullable=True, min_value=0),
        Col("target_date", "date", required=False, nullable=True),
        Col("source", "enum", choices=SOURCES), Col("alarms", "text", required=False, nullable=True),
    ],
    "tariffs": [
        Col("tariff_group", "id"), Col("valid_from", "date"), Col("valid_to", "date", required=False, nullable=True),
        Col("water_m3_net", "number", min_value=0, max_decimals=4),
        Col("sewage_m3_net", "number", min_value=0, max_decimals=4),
    ],
    "abonaments": [
        Col("tariff_group", "id"), Col("valid_from", "date"), Col("valid_to", "date", required=False, nullable=True),
        Col("basis", "enum", choices=ABONAMENT_BASES), Col("settlement", "enum", choices=SETTLEMENTS),
        Col("abonament_month_net", "number", min_value=0, max_decimals=4),
    ],
    "billing_periods": [Col("contract_id", "id"), Col("period_start", "date"), Col("period_end", "date")],
    "billed_registers": [
        Col("meter_id", "meter_id"), Col("boundary_date", "date"), Col("register_m3", "number", min_value=0),
        Col("basis", "text", required=False, nullable=True),
    ],
    "norms": [Col("norm_category", "id"), Col("sewered", "bool"), Col("m3_per_person_month", "number", min_value=0)],
}
REQUIRED_FILES = ("customers", "premises", "contracts", "meters", "readings", "tariffs", "abonaments")
OPTIONAL_FILES = ("billing_periods", "billed_registers", "norms")


class _Table:
    """A raw table and where it came from, so that errors can point at the cell."""

    def __init__(self, name: str, frame: pd.DataFrame, file: str, csv: bool) -> None:
        self.name = name
        self.frame = frame.reset_index(drop=True)
        self.file = file
        self.csv = csv

    def fail(self, pos: int | None, column: str | None, message: str) -> BillingInputError:
        if pos is None:
            return BillingInputError(self.file, message, column=column)
        return BillingInputError(self.file, message, row=pos + 1, column=column,
                                 line=pos + 2 if self.csv else None)


def _text(series: pd.Series) -> pd.Series:
    """Cells as stripped text with missing values as empty strings."""
    return series.astype(object).where(series.notna(), "").astype(str).str.strip()


def _first_bad(mask: np.ndarray) -> int:
    return int(np.flatnonzero(mask)[0])


def _parse_column(t: _Table, col: Col) -> pd.Series:
    raw = t.frame[col.name]
    typed = pd.api.types.is_numeric_dtype(raw.dtype) or pd.api.types.is_datetime64_any_dtype(raw.dtype) \
        or pd.api.types.is_bool_dtype(raw.dtype)
    text = raw if typed else _text(raw)
    empty = raw.isna().to_numpy() | (text.to_numpy() == "") if not typed else raw.isna().to_numpy()
    if not col.nullable and empty.any():
        raise t.fail(_first_bad(empty), col.name, "value is missing")
    if col.kind in ("id", "text"):
        values = _text(raw) if typed else text
        return values.where(~empty, None) if col.nullable else values
    if col.kind == "meter_id":
        if not t.csv and not (raw.dtype == object or pd.api.types.is_string_dtype(raw.dtype)):
            raise t.fail(None, col.name, f"must be text (8 digits as printed, leading zeros kept), "
                                         f"not {raw.dtype}")
        values = text
        bad = ~empty & ~values.str.fullmatch(METER_ID.pattern).fillna(False).to_numpy()
        if bad.any():
            i = _first_bad(bad)
            raise t.fail(i, col.name, f"{values.iloc[i]!r} is not a meter id of 8 digits as printed")
        return values.where(~empty, None)
    if col.kind == "enum":
        values = (_text(raw) if typed else text).str.lower()
        if col.name == "cycle_months":
            values = values.str.replace(r"\.0$", "", regex=True)
        bad = ~empty & ~values.isin(col.choices).to_numpy()
        if bad.any():
            i = _first_bad(bad)
            raise t.fail(i, col.name, f"{raw.iloc[i]!r} is not one of {', '.join(col.choices)}")
        values = values.where(~empty, None)
        return values.astype("Int64") if col.name == "cycle_months" else values
    if col.kind == "bool":
        if pd.api.types.is_bool_dtype(raw.dtype):
            return raw.astype("boolean")
        values = (_text(raw) if typed else text).str.lower()
        is_true = values.isin(TRUE).to_numpy()
        is_false = values.isin(FALSE).to_numpy()
        bad = ~empty & ~is_true & ~is_false
        if bad.any():
            i = _first_bad(bad)
            raise t.fail(i, col.name, f"cannot read {raw.iloc[i]!r} as true/false")
        return pd.Series(pd.array(np.where(empty, None, is_true), dtype="boolean"), index=raw.index)
    if col.kind in ("number", "integer"):
        num = raw if pd.api.types.is_numeric_dtype(raw.dtype) else pd.to_numeric(text.where(~empty, None),
                                                                                 errors="coerce")
        num = num.astype("float64")
        bad = ~empty & ~np.isfinite(num.to_numpy())
        if bad.any():
            i = _first_bad(bad)
            raise t.fail(i, col.name, f"cannot read {raw.iloc[i]!r} as a number")
        values = num.to_numpy()
        if col.min_value is not None:
            low = ~empty & (values < col.min_value)
            if low.any():
                i = _first_bad(low)
                raise t.fail(i, col.name, f"{raw.iloc[i]!r} is below the minimum {col.min_value:g}")
        if col.kind == "integer":
            frac = ~empty & (values != np.round(values))
            if frac.any():
                i = _first_bad(frac)
                raise t.fail(i, col.name, f"{raw.iloc[i]!r} is not a whole number")
            return num.round().astype("Int64")
        if col.max_decimals is not None:
            scaled = values * 10**col.max_decimals
            fine = ~empty & (np.abs(scaled - np.round(scaled)) > 1e-6)
            if fine.any():
                i = _first_bad(fine)
                raise t.fail(i, col.name, f"{raw.iloc[i]!r} has more than {col.max_decimals} decimals")
        return num
    if col.kind == "date":
        if pd.api.types.is_datetime64_any_dtype(raw.dtype):
            return raw.dt.tz_localize(None).dt.normalize().astype("datetime64[s]") if raw.dt.tz else \
                raw.dt.normalize().astype("datetime64[s]")
        parsed = pd.to_datetime(text.where(~empty, None), format="%Y-%m-%d", errors="coerce")
        bad = ~empty & parsed.isna().to_numpy()
        if bad.any():
            i = _first_bad(bad)
            raise t.fail(i, col.name, f"cannot read {raw.iloc[i]!r} as a date (YYYY-MM-DD)")
        return parsed.astype("datetime64[s]")
    if col.kind == "datetime":
        return _parse_datetime(t, col, raw, text, empty)
    raise AssertionError(col.kind)


def _parse_datetime(t: _Table, col: Col, raw: pd.Series, text: pd.Series, empty: np.ndarray) -> pd.Series:
    """ISO 8601 instants to naive Polish local time (billing days are local days)."""
    if pd.api.types.is_datetime64_any_dtype(raw.dtype):
        if getattr(raw.dt, "tz", None) is not None:
            return raw.dt.tz_convert(LOCAL_TZ).dt.tz_localize(None).astype("datetime64[s]")
        return raw.astype("datetime64[s]")
    zoned = text.str.contains(r"(?:Z|[+-]\d\d:?\d\d)$", regex=True).to_numpy() & ~empty
    out = pd.Series(pd.NaT, index=raw.index, dtype="datetime64[s]")
    naive = ~zoned & ~empty
    if naive.any():
        out[naive] = pd.to_datetime(text[naive], format="ISO8601", errors="coerce").astype("datetime64[s]")
    if zoned.any():
        z = pd.to_datetime(text[zoned], format="ISO8601", errors="coerce", utc=True)
        out[zoned] = z.dt.tz_convert(LOCAL_TZ).dt.tz_localize(None).astype("datetime64[s]")
    bad = ~empty & out.isna().to_numpy()
    if bad.any():
        i = _first_bad(bad)
        raise t.fail(i, col.name, f"cannot read {raw.iloc[i]!r} as an ISO 8601 date-time")
    return out


def parse_table(name: str, frame: pd.DataFrame, file: str | None = None, csv: bool = True) -> pd.DataFrame:
    """Validate and type one raw table (all-text cells, as read from CSV) against its schema."""
    t = _Table(name, frame, file or f"{name}.csv", csv)
    columns = {str(c).strip(): c for c in t.frame.columns}
    t.frame = t.frame.rename(columns={v: k for k, v in columns.items()})
    out = pd.DataFrame(index=t.frame.index)
    for col in SCHEMAS[name]:
        if col.name not in t.frame.columns:
            if col.required:
                raise t.fail(None, col.name, "required column is missing")
            out[col.name] = pd.Series([None] * len(t.frame), dtype=_empty_dtype(col), index=t.frame.index)
            continue
        out[col.name] = _parse_column(t, col)
    out["source_row"] = np.arange(1, len(out) + 1)
    _check_table(t, out)
    return out


def _empty_dtype(col: Col) -> str:
    return {"date": "datetime64[s]", "datetime": "datetime64[s]", "number": "float64", "integer": "Int64",
            "bool": "boolean"}.get(col.kind, "object")


def _dup(t: _Table, frame: pd.DataFrame, column: str) -> None:
    d = frame[column].duplicated().to_numpy()
    if d.any():
        i = _first_bad(d)
        raise t.fail(i, column, f"duplicate {column} {frame[column].iloc[i]!r}")


def _check_table(t: _Table, f: pd.DataFrame) -> None:
    """Rules that concern one table alone."""
    name = t.name
    if name in ("customers", "premises", "contracts", "meters"):
        _dup(t, f, {"customers": "customer_id", "premises": "premises_id", "contracts": "contract_id",
                    "meters": "meter_id"}[name])
    if name == "contracts":
        bad = (f["end_date"].notna() & (f["end_date"] < f["start_date"])).to_numpy()
        if bad.any():
            raise t.fail(_first_bad(bad), "end_date", "end_date is before start_date")
        bad = (f["cycle_anchor_month"].fillna(1) > 12).to_numpy()
        if bad.any():
            raise t.fail(_first_bad(bad), "cycle_anchor_month", "must be a month number 1-12")
    if name == "meters":
        bad = (f["removal_date"].notna() & (f["removal_date"] < f["install_date"])).to_numpy()
        if bad.any():
            raise t.fail(_first_bad(bad), "removal_date", "removal_date is before install_date")
        bad = (f["faulty_to"].notna() & f["faulty_from"].isna()).to_numpy()
        if bad.any():
            raise t.fail(_first_bad(bad), "faulty_from", "faulty_to is set but faulty_from is empty")
        bad = (f["faulty_to"].notna() & (f["faulty_to"] < f["faulty_from"])).to_numpy()
        if bad.any():
            raise t.fail(_first_bad(bad), "faulty_to", "faulty_to is before faulty_from")
        digits = f["register_digits"].astype("float64")
        f["rollover_m3"] = np.where(digits.notna(), 10.0 ** digits.fillna(0), f["rollover_m3"])
        for col in ("sealed", "registered"):
            f[col] = f[col].fillna(False).astype(bool)
    if name == "readings":
        bad = (f["total_m3"].isna() & f["target_m3"].isna()).to_numpy()
        if bad.any():
            raise t.fail(_first_bad(bad), "total_m3", "a reading needs total_m3 or target_m3")
        bad = (f["target_m3"].notna() & f["target_date"].isna()).to_numpy()
        if bad.any():
            raise t.fail(_first_bad(bad), "target_date", "target_m3 is given without its target_date")
        f["alarms"] = f["alarms"].fillna("")
    if name in ("tariffs", "abonaments", "billing_periods"):
        lo, hi = ("period_start", "period_end") if name == "billing_periods" else ("valid_from", "valid_to")
        bad = (f[hi].notna() & (f[hi] < f[lo])).to_numpy()
        if bad.any():
            raise t.fail(_first_bad(bad), hi, f"{hi} is before {lo}")
    if name in ("tariffs", "abonaments"):
        keys = ["tariff_group"] + (["basis", "settlement"] if name == "abonaments" else [])
        s = f.sort_values([*keys, "valid_from"], kind="stable")
        same = np.ones(len(s), dtype=bool)
        for k in keys:
            same &= (s[k].to_numpy() == s[k].shift(1).to_numpy())
        prev_to = s["valid_to"].shift(1)
        overlap = same & (prev_to.isna() | (s["valid_from"] <= prev_to)).to_numpy()
        if overlap.any():
            i = int(s.index[_first_bad(overlap)])
            raise t.fail(i, "valid_from", "validity overlaps an earlier row of the same tariff group")


def _check_links(tables: dict[str, _Table], typed: dict[str, pd.DataFrame]) -> None:
    """Rules across tables: every reference must point at an existing row."""

    def link(child: str, column: str, parent: str, parent_col: str) -> None:
        values = typed[child][column]
        bad = (values.notna() & ~values.isin(set(typed[parent][parent_col]))).to_numpy()
        if bad.any():
            i = _first_bad(bad)
            raise tables[child].fail(i, column, f"{values.iloc[i]!r} is not in {tables[parent].file}")

    link("contracts", "customer_id", "customers", "customer_id")
    link("contracts", "premises_id", "premises", "premises_id")
    link("contracts", "tariff_group", "tariffs", "tariff_group")
    link("meters", "premises_id", "premises", "premises_id")
    link("meters", "replaces_meter_id", "meters", "meter_id")
    if "billing_periods" in typed:
        link("billing_periods", "contract_id", "contracts", "contract_id")
    norms = typed["norms"]
    known = set(zip(norms["norm_category"], norms["sewered"].astype(bool), strict=True))
    prem = typed["premises"]
    pairs = zip(prem["norm_category"], prem["sewered"].astype(bool), strict=True)
    bad = np.array([not pd.isna(c) and (c, s) not in known for c, s in pairs], dtype=bool)  # empty: no norm
    if bad.any():
        i = _first_bad(bad)
        raise tables["premises"].fail(i, "norm_category",
                                      f"{prem['norm_category'].iloc[i]!r} (sewered={bool(prem['sewered'].iloc[i])}) "
                                      f"is not in the norm table {tables['norms'].file}")


def _read_file(path: Path) -> pd.DataFrame:
    try:
        if path.suffix == ".parquet":
            return pd.read_parquet(path)
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        # Excel with Polish settings saves "CSV" as Windows-1250: say so instead of quoting the codec.
        line = exc.object.count(b"\n", 0, exc.start) + 1
        raise BillingInputError(path.name, f"cannot be read: not UTF-8 text (byte 0x{exc.object[exc.start]:02x} on "
                                           f'line {line}); save it as "CSV UTF-8"') from None
    except (OSError, ValueError, pd.errors.ParserError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise BillingInputError(path.name, f"cannot be read: {first}") from None
    if len(frame.columns) == 1 and ";" in str(frame.columns[0]):
        raise BillingInputError(path.name, "cannot be read: its columns are separated by ';' (a spreadsheet's "
                                           "regional CSV); save it with ',' between columns")
    return frame


def _find(folder: Path, name: str) -> Path | None:
    found = [p for p in (folder / f"{name}.csv", folder / f"{name}.parquet") if p.exists()]
    if len(found) > 1:
        raise BillingInputError(found[0].name, f"both {name}.csv and {name}.parquet exist; keep one")
    return found[0] if found else None


def _default_resource(name: str) -> Any:
    return resources.files("billing_rules.data").joinpath(name)


def default_norms() -> pd.DataFrame:
    """The shipped household norm table (Dz.U. 2002 Nr 8 poz. 70, Tabela 1)."""
    return _default_norms().copy()


@lru_cache(maxsize=1)
def _default_norms() -> pd.DataFrame:
    with _default_resource("norms_household.csv").open("r", encoding="utf-8") as fh:
        raw = pd.read_csv(fh, dtype=str, keep_default_na=False)
    return parse_table("norms", raw, "billing_rules/data/norms_household.csv")


def default_settings() -> dict[str, Any]:
    """The shipped settings (VAT, thresholds, garden season …)."""
    return copy.deepcopy(_default_settings())


@lru_cache(maxsize=1)
def _default_settings() -> dict[str, Any]:
    with _default_resource("settings.json").open("r", encoding="utf-8") as fh:
        return json.load(fh)


def example_tariffs() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Example tariffs from the reference (Chełm Śląski, Kamienna Góra, Wrocław 2024), typed."""
    out = []
    for name, file in (("tariffs", "tariffs_example.csv"), ("abonaments", "abonaments_example.csv")):
        with _default_resource(file).open("r", encoding="utf-8") as fh:
            out.append(parse_table(name, pd.read_csv(fh, dtype=str, keep_default_na=False),
                                   f"billing_rules/data/{file}"))
    return out[0], out[1]


def _merge_settings(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge_settings(merged[key], value)
        else:
            merged[key] = value
    return merged


def make_rules(settings_override: dict[str, Any] | None = None, norms: pd.DataFrame | None = None) -> Rules:
    """Rules from the shipped defaults, optionally overridden (used by the CLI and by tests)."""
    settings = _merge_settings(default_settings(), settings_override or {})
    try:
        return Rules.from_settings(settings, default_norms() if norms is None else norms)
    except (KeyError, ValueError, TypeError, ArithmeticError, AttributeError) as exc:
        raise BillingInputError("settings.json", f"invalid setting: {exc}") from None


def parse_tables(raw: dict[str, pd.DataFrame], files: dict[str, str] | None = None,
                 csv: dict[str, bool] | None = None) -> tuple[BillingInputs, pd.DataFrame]:
    """Validate raw tables (as read) into typed inputs; returns the inputs and the norm table used."""
    files = files or {}
    csv = csv or {}
    tables: dict[str, _Table] = {}
    typed: dict[str, pd.DataFrame] = {}
    for name in (*REQUIRED_FILES, *OPTIONAL_FILES):
        if name not in raw:
            continue
        file = files.get(name, f"{name}.csv")
        tables[name] = _Table(name, raw[name], file, csv.get(name, True))
        typed[name] = parse_table(name, raw[name], file, csv.get(name, True))
    if "norms" not in typed:
        typed["norms"] = default_norms()
        tables["norms"] = _Table("norms", typed["norms"], "billing_rules/data/norms_household.csv", True)
    for name in ("billing_periods", "billed_registers"):
        if name not in typed:
            typed[name] = parse_table(name, pd.DataFrame({c.name: pd.Series(dtype=str) for c in SCHEMAS[name]}))
    _check_links(tables, typed)
    inputs = BillingInputs(**{name: typed[name] for name in (*REQUIRED_FILES, "billing_periods",
                                                             "billed_registers")},
                           files={name: t.file for name, t in tables.items()})
    return inputs, typed["norms"]


def load_folder(folder: str | Path, readings_file: str | Path | None = None) -> tuple[BillingInputs, Rules]:
    """Read and validate every input of a billing run from ``folder`` (see the module docstring).

    ``readings_file`` adds readings from another system (same columns as readings); with it the
    folder's own readings file becomes optional.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise BillingInputError(str(folder), "data folder does not exist")
    raw: dict[str, pd.DataFrame] = {}
    files: dict[str, str] = {}
    csv: dict[str, bool] = {}
    for name in (*REQUIRED_FILES, *OPTIONAL_FILES):
        path = _find(folder, name)
        if path is None:
            if name in REQUIRED_FILES and not (name == "readings" and readings_file is not None):
                raise BillingInputError(f"{name}.csv", f"required file is missing from {folder}")
            continue
        raw[name], files[name], csv[name] = _read_file(path), path.name, path.suffix != ".parquet"
    if readings_file is not None:
        extra_path = Path(readings_file)
        if not extra_path.is_file():
            raise BillingInputError(extra_path.name, "readings file does not exist")
        extra_csv = extra_path.suffix != ".parquet"
        extra = _read_file(extra_path)
        if "readings" in raw:
            # each file is validated on its own so that an error names the right file and row;
            # the typed concatenation passes validation again unchanged
            both = [parse_table("readings", raw["readings"], files["readings"], csv["readings"]),
                    parse_table("readings", extra, extra_path.name, extra_csv)]
            raw["readings"] = pd.concat(both, ignore_index=True).drop(columns="source_row")
            files["readings"] = f"{files['readings']} + {extra_path.name}"
            csv["readings"] = False
        else:
            raw["readings"], files["readings"], csv["readings"] = extra, extra_path.name, extra_csv
    inputs, norms = parse_tables(raw, files, csv)
    override: dict[str, Any] = {}
    settings_path = folder / "settings.json"
    if settings_path.exists():
        try:
            override = json.loads(settings_path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise BillingInputError("settings.json", f"cannot be read: {exc}") from None
    return inputs, make_rules(override, norms)
