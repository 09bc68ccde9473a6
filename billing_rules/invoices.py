"""Invoice lines: quantity × unit price, rounded to the grosz, with VAT.

Rounding, exactly as billing staff can redo it by hand:

* quantities are fixed first: m³ to 0.001 (a litre), months to 0.0001;
* net of a line = quantity × unit price net, computed exactly, then rounded once, half-up, to the
  grosz (0.005 zł and more goes up);
* VAT (settings ``vat.method``): ``invoice`` (default) computes VAT once per invoice and VAT rate on
  the sum of the net amounts, half-up to the grosz, as art. 106e ust. 1 pkt 14–15 and ust. 11 of the
  VAT act describe the invoice (sum of net per rate, tax on that sum).  So that the lines still add up
  to the invoice, that VAT is spread over the lines by cumulative rounding: line k carries
  round(VAT on lines 1..k) − round(VAT on lines 1..k−1).  ``line`` rounds VAT on each line instead;
* gross = net + VAT, per line and per invoice.
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd

from billing_rules.consumption import RANK_ESTIMATE, RANK_LABELS, RANK_NORM
from billing_rules.money import (
    BP_SCALE,
    GROSZ_PER_PLN,
    PRICE_SCALE,
    line_net_grosze,
    round_half_up_div,
    split_by_weights,
)
from billing_rules.types import ITEM_ABONAMENT, ITEM_SEWAGE, ITEM_WATER, Rules

LINE_COLUMNS = [
    "contract_id", "customer_id", "premises_id", "period", "period_start", "period_end", "line_no",
    "item", "basis", "tariff_group", "price_from", "price_to", "quantity", "unit", "unit_price_net",
    "net_pln", "vat_rate_pct", "vat_pln", "gross_pln",
]


ITEMS = [ITEM_WATER, ITEM_SEWAGE, ITEM_ABONAMENT]
ITEM_CODE = np.array([0, 0, 0, 1, 2])  # item of each component order: 3 water components, sewage, abonament
ABONAMENT = 4  # component order of the abonament; the others are priced per m³
BASIS_LABELS = (*RANK_LABELS, "meter")  # abonament settlement basis is "meter" or "norm"


def _components(cp: pd.DataFrame, q: pd.DataFrame, rules: Rules) -> dict[str, np.ndarray]:
    """Every quantity to be priced, before the split into tariff parts (integer columns only)."""
    n = len(q)
    ids = q["cp_id"].to_numpy()
    abon_units = np.floor(cp["months"].to_numpy() * 10**rules.months_decimals + 0.5).astype(np.int64)
    abon_basis = np.where(np.asarray(q["abonament_basis"] == "norm"), RANK_NORM, len(RANK_LABELS))
    specs = [
        (q["water_measured_rank"].to_numpy(), q["water_measured_units"].to_numpy()),
        (np.full(n, RANK_ESTIMATE), q["water_faulty_units"].to_numpy()),
        (np.full(n, RANK_NORM), q["water_norm_units"].to_numpy()),
        (q["sewage_rank"].to_numpy(), q["sewage_units"].to_numpy()),
        (abon_basis, abon_units),
    ]
    cols: dict[str, list[np.ndarray]] = {"cp_id": [], "order": [], "basis": [], "units": []}
    for order, (basis, units) in enumerate(specs):
        keep = (units != 0) | (order == ABONAMENT)
        cols["cp_id"].append(ids[keep])
        cols["order"].append(np.full(int(keep.sum()), order, dtype=np.int64))
        cols["basis"].append(np.asarray(basis, dtype=np.int64)[keep])
        cols["units"].append(np.asarray(units, dtype=np.int64)[keep])
    return {k: np.concatenate(v) for k, v in cols.items()}


def _merge_same_price(x: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """One line per item where consecutive tariff parts carry the same price.

    A change of the water price must not cut the abonament (or the other way round) into two lines
    with one price: that would only add a rounding step the customer cannot see a reason for.
    Only contract-periods with several tariff parts (a handful per run) go through pandas here.
    """
    multi = x["n_parts"] > 1
    if not multi.any():
        return x
    same = pd.DataFrame({k: v[multi] for k, v in x.items()})
    merged = same.groupby(["cp_id", "order", "basis", "price_units"], as_index=False, sort=False).agg(
        units=("units", "sum"), t0=("t0", "min"), t1=("t1", "max"), part_no=("part_no", "min"),
        n_parts=("n_parts", "first"))
    return {k: np.concatenate([v[~multi], merged[k].to_numpy(dtype=v.dtype)]) for k, v in x.items()}


def build_lines(cp: pd.DataFrame, q: pd.DataFrame, parts: pd.DataFrame, rules: Rules) -> pd.DataFrame:
    """Priced invoice lines, one per quantity component and tariff part."""
    comp = _components(cp, q, rules)
    # repeat every component once per tariff part of its contract-period (parts are sorted by cp_id)
    part_cp = parts["cp_id"].to_numpy()
    first_part = np.searchsorted(part_cp, comp["cp_id"])
    n_parts = np.searchsorted(part_cp, comp["cp_id"], side="right") - first_part
    if (n_parts == 1).all():
        rep = np.arange(len(n_parts))
        prow = first_part
    else:
        rep = np.repeat(np.arange(len(comp["cp_id"])), n_parts)
        offset = np.arange(len(rep)) - np.repeat(np.cumsum(n_parts) - n_parts, n_parts)
        prow = first_part[rep] + offset
    order = comp["order"][rep]
    by_m3 = (order == 0) | (order == 3)

    def part(col: str) -> np.ndarray:
        return parts[col].to_numpy()[prow]

    before = np.where(by_m3, part("m3_cum_before"), part("cum_days_before"))
    after = np.where(by_m3, part("m3_cum_after"), part("cum_days_after"))
    total = np.where(by_m3, part("m3_weight_total"), part("total_days"))
    units = split_by_weights(comp["units"][rep], before, after, total)
    price = np.select([order < 3, order == 3], [part("water_price"), part("sewage_price")],
                      default=part("abonament_price"))
    x = {"cp_id": comp["cp_id"][rep], "order": order, "basis": comp["basis"][rep], "price_units": price,
         "units": units, "t0": part("t0"), "t1": part("t1"), "part_no": part("part_no"), "n_parts": n_parts[rep]}
    merged = _merge_same_price(x)
    keep = np.flatnonzero((merged["units"] != 0) | (merged["order"] == ABONAMENT))
    if merged is x:
        # rows are blocks by component order, each sorted by cp_id and part: a stable sort on
        # cp_id alone restores (cp_id, order, part) and is cheap on such pre-sorted runs
        sort = np.argsort(x["cp_id"][keep], kind="stable")
    else:
        sort = np.lexsort((merged["part_no"][keep], merged["order"][keep], merged["cp_id"][keep]))
    take = keep[sort]
    x = {k: merged[k][take] for k in ("cp_id", "order", "basis", "price_units", "units", "t0", "t1")}

    cp_id = x["cp_id"]
    order = x["order"]
    units = x["units"]
    price = x["price_units"]
    scale = np.where(order == ABONAMENT, 10**rules.months_decimals, 10**rules.m3_decimals)
    net = line_net_grosze(units, scale, price)
    idx = np.arange(len(cp_id))
    first = np.ones(len(cp_id), dtype=bool)
    first[1:] = cp_id[1:] != cp_id[:-1]
    group_start = np.maximum.accumulate(np.where(first, idx, 0)) if len(idx) else idx
    bp = rules.vat_rate_bp
    if rules.vat_method == "line":
        vat = round_half_up_div(net * bp, BP_SCALE)
    else:
        run = np.cumsum(net)
        cum = run - (run[group_start] - net[group_start])
        vat_cum = round_half_up_div(cum * bp, BP_SCALE)
        prev = np.concatenate([[0], vat_cum[:-1]])
        vat = vat_cum - np.where(first, 0, prev)

    def text(col: str) -> pd.Series:
        return pd.Series(cp[col].to_numpy()[cp_id], dtype=object)

    lines = pd.DataFrame({
        "contract_id": text("contract_id"),
        "customer_id": text("customer_id"),
        "premises_id": text("premises_id"),
        "period": pd.Series(np.full(len(cp_id), cp["period"].iloc[0], dtype=object), dtype=object),
        "period_start": cp["period_start"].to_numpy()[cp_id],
        "period_end": cp["period_end"].to_numpy()[cp_id],
        "line_no": idx - group_start + 1,
        "item": pd.Categorical.from_codes(ITEM_CODE[order], categories=ITEMS),
        "basis": pd.Categorical.from_codes(x["basis"], categories=list(BASIS_LABELS)),
        "tariff_group": text("tariff_group"),
        "price_from": x["t0"].astype("datetime64[s]"),
        "price_to": (x["t1"] - 86_400).astype("datetime64[s]"),
        "quantity": units / scale,
        "unit": pd.Categorical.from_codes((order == ABONAMENT).astype(np.int64), categories=["m3", "month"]),
        "unit_price_net": price / PRICE_SCALE,
        "net_pln": net / GROSZ_PER_PLN,
        "vat_rate_pct": float(rules.vat_rate_pct),
        "vat_pln": vat / GROSZ_PER_PLN,
        "gross_pln": (net + vat) / GROSZ_PER_PLN,
    })
    lines["cp_id"] = cp_id
    lines["net_grosze"] = net
    lines["vat_grosze"] = vat
    return lines


INVOICE_COLUMNS = [
    "contract_id", "customer_id", "customer_name", "customer_address", "premises_id", "premises_address",
    "period", "period_start", "period_end", "tariff_group", "settlement", "meters", "net_pln", "vat_pln",
    "gross_pln",
]


def _fixed(values: np.ndarray, places: int) -> np.ndarray:
    """Exact decimal values with a fixed number of places, from numbers already rounded to them.

    A billing department's import expects ``19.60``, not the float ``19.6``; ``Decimal`` prints that
    way in CSV and becomes a decimal128 column in Parquet.
    """
    scale = 10**places
    ints = np.floor(np.asarray(values, dtype=np.float64) * scale + 0.5).astype(np.int64)
    exp = Decimal(1).scaleb(-places)
    return np.array([Decimal(int(v)).scaleb(-places).quantize(exp) for v in ints], dtype=object)


def lines_for_output(lines: pd.DataFrame, rules: Rules) -> pd.DataFrame:
    """Invoice lines as written to files: money with 2 places, prices with 4, quantities fixed."""
    out = lines.copy()
    for col in ("net_pln", "vat_pln", "gross_pln"):
        out[col] = _fixed(out[col].to_numpy(), 2)
    out["unit_price_net"] = _fixed(out["unit_price_net"].to_numpy(), 4)
    out["vat_rate_pct"] = np.full(len(out), rules.vat_rate_pct.normalize(), dtype=object)
    m3 = np.asarray(out["unit"] == "m3")
    qty = out["quantity"].to_numpy(dtype=np.float64)
    fixed = np.empty(len(out), dtype=object)
    fixed[m3] = _fixed(qty[m3], rules.m3_decimals)
    fixed[~m3] = _fixed(qty[~m3], rules.months_decimals)
    out["quantity"] = fixed
    return out


def _meter_text(seg: pd.DataFrame) -> pd.Series:
    """Per contract-period: each meter with the registers billed, e.g. ``10000001 (main): 100.000 -> 120.000``."""
    if seg.empty:
        return pd.Series(dtype=object)
    role = seg["role"].astype(str).to_numpy()
    meter = seg["meter_id"].astype(str).to_numpy()
    measured = (seg["kind"] == "measured").to_numpy()
    opened = np.char.mod("%.3f", seg["open_m3"].to_numpy(dtype=np.float64))
    closed = np.char.mod("%.3f", seg["close_m3"].to_numpy(dtype=np.float64))
    text = np.where(measured, np.char.add(np.char.add(opened, " -> "), closed),
                    np.char.add("faulty ", np.char.add(np.char.mod("%.0f", seg["seg_days"].to_numpy()),
                                                       " days, estimated")))
    text = np.char.add(np.char.add(np.char.add(np.char.add(meter, " ("), role), "): "), text)
    frame = pd.DataFrame({"cp_id": seg["cp_id"].to_numpy(), "s0": seg["s0"].to_numpy(), "role": role,
                          "text": text.astype(object)})
    frame = frame.sort_values(["cp_id", "role", "s0"], key=lambda c: c.map(ROLE_ORDER) if c.name == "role" else c,
                              kind="stable")
    return frame.groupby("cp_id")["text"].agg("; ".join)


ROLE_ORDER = {"main": 0, "sewage": 1, "intake": 2, "garden": 3}


def build_invoices(periods: pd.DataFrame, segments: pd.DataFrame, lines: pd.DataFrame,
                   customers: pd.DataFrame) -> pd.DataFrame:
    """One row per invoice: who, where, which period, the registers billed and the totals.

    Totals are the sums of the lines in grosze (VAT per invoice is already spread over the lines), so
    the invoice file and the lines file always agree to the grosz.
    """
    if lines.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in INVOICE_COLUMNS})
    key = ["contract_id", "period_start"]
    grosze = lines[key].copy()
    for col in ("net_pln", "vat_pln", "gross_pln"):
        grosze[col] = np.floor(lines[col].to_numpy(dtype=np.float64) * GROSZ_PER_PLN + 0.5).astype(np.int64)
    totals = grosze.groupby(key, as_index=False, sort=False).sum()
    cp = periods[["cp_id", "contract_id", "customer_id", "premises_id", "address", "period", "period_start",
                  "period_end", "tariff_group", "settlement"]]
    inv = totals.merge(cp, on=key, how="left")
    who = customers.set_index("customer_id")
    names = who["name"] if "name" in who else pd.Series(dtype=object)
    post = who["address"] if "address" in who else pd.Series(dtype=object)
    inv["customer_name"] = inv["customer_id"].map(names).fillna("").to_numpy(dtype=object)
    customer_address = inv["customer_id"].map(post)
    inv["premises_address"] = inv["address"].fillna("").to_numpy(dtype=object)
    inv["customer_address"] = customer_address.fillna(inv["address"]).fillna("").to_numpy(dtype=object)
    meters = inv["cp_id"].map(_meter_text(segments)).astype(object)
    inv["meters"] = meters.where(meters.notna(), "").to_numpy(dtype=object)
    exp = Decimal("0.01")
    for col in ("net_pln", "vat_pln", "gross_pln"):
        inv[col] = np.array([Decimal(int(v)).scaleb(-2).quantize(exp) for v in inv[col].to_numpy()], dtype=object)
    return inv[INVOICE_COLUMNS].reset_index(drop=True)
