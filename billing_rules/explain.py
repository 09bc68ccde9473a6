"""Step-by-step account of one invoice, for billing staff facing a customer's complaint.

It prints only what the engine computed (the intermediate frames of :class:`BillingResult`), so the
story told to the customer cannot drift from the invoice: which readings were used, which rule
turned them into quantities, which prices applied to which days, and how every amount was rounded.
This runs for one contract, so plain loops are fine here.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from billing_rules.consumption import (
    M_BILLED,
    M_EXACT,
    M_INSTALL,
    M_INTERP,
    M_REMOVAL,
    METHOD_LABELS,
    RANK_LABELS,
)
from billing_rules.faulty import BRANCH_LABELS
from billing_rules.money import BP_SCALE, PRICE_SCALE, format_grosze, round_half_up_div
from billing_rules.observations import SOURCE_LABELS
from billing_rules.periods import DAY, NO_END
from billing_rules.types import BillingResult, Rules

ROUNDING_RULE = (
    "Quantities are fixed first (m3 to {m3} decimals, months to {mo} decimals). Net of each line = quantity x "
    "unit price, computed exactly and rounded once, half-up, to the grosz. {vat}"
)
VAT_INVOICE = ("VAT is computed once per invoice on the sum of net amounts at each rate and rounded half-up "
               "(art. 106e ust. 1 pkt 14-15 and ust. 11 of the VAT act); it is spread over the lines by "
               "cumulative rounding so that the lines add up to the invoice.")
VAT_LINE = "VAT is computed and rounded half-up on each line; the invoice VAT is the sum of the lines."


def rounding_rule(rules: Rules) -> str:
    """The rounding sentence printed by explain and quoted in the README."""
    vat = VAT_INVOICE if rules.vat_method == "invoice" else VAT_LINE
    return ROUNDING_RULE.format(m3=rules.m3_decimals, mo=rules.months_decimals, vat=vat)


def _when(t: int) -> str:
    if t < 0:
        return "-"
    ts = np.datetime64(int(t), "s")
    text = str(ts).replace("T", " ")
    return text[:-3] if text.endswith(":00") else text


def _obs(row: pd.Series, prefix: str) -> str:
    t = int(row[f"{prefix}_t"])
    if t < 0:
        return ""
    src = SOURCE_LABELS[int(row[f"{prefix}_src"])]
    return f"{row[f'{prefix}_val']:.3f} m3 at {_when(t)} ({src}, readings row {int(row[f'{prefix}_row']) + 1})"


def _register(row: pd.Series, side: str) -> list[str]:
    method = int(row[f"{side}_method"])
    value = row[f"{side}_m3"]
    where = _when(int(row["s0" if side == "open" else "s1"]))
    word = "opening" if side == "open" else "closing"
    head = f"{word} register at {where}: " + ("unknown" if np.isnan(value) else f"{value:.3f} m3")
    out = [f"    {head} - {METHOD_LABELS[method]}"]
    back, fwd = _obs(row, f"{side}_obs_back"), _obs(row, f"{side}_obs_fwd")
    if method == M_EXACT:
        out.append(f"        observation {back or fwd}")
        if int(row[f"{side}_obs_back_src"]) == 0 or int(row[f"{side}_obs_fwd_src"]) == 0:
            out.append("        (the meter's own due-date register matches the period boundary)")
    elif method == M_INTERP:
        out.append(f"        between {back}")
        out.append(f"        and     {fwd}")
    elif method == M_BILLED:
        out.append(f"        as billed on the previous invoice (basis {RANK_LABELS[int(row[f'{side}_rank'])]})")
    elif method not in (M_INSTALL, M_REMOVAL) and (back or fwd):  # carried at the daily average
        out.append(f"        from {back or fwd}, carried at {row['rate_m3_day']:.4f} m3/day ({_rate_origin(row)})")
    return out


def _rate_origin(row: pd.Series) -> str:
    if bool(row["rate_from_history"]):
        return f"daily average between {_obs(row, 'rate_obs_a')} and {_obs(row, 'rate_obs_b')}"
    return "no usable history: the premises' norm per day"


def _fault_span(s: pd.Series) -> list[str]:
    """The fault as the meter record has it, and the part of it this period bills.

    Staff compare the date with the fitter's protocol, so the real start is printed, never the
    period start the engine clipped it to.
    """
    since, until = int(s["fault_from_t"]), int(s["fault_end_t"])
    text = f"    faulty since {_when(since)[:10]}"
    if until < NO_END:
        text += f" until {_when(until - DAY)[:10]} (inclusive)"
    s0, s1 = int(s["s0"]), int(s["s1"])
    clipped = []
    if since < s0:
        clipped.append("the fault began before the period")
    if until > s1:
        clipped.append("it lasts beyond the period end" if until < NO_END else "it has no end date yet")
    if clipped:
        text += (f"; this period's part from {_when(s0)[:10]} to {_when(s1 - DAY)[:10]} ({s['seg_days']:.0f} days): "
                 + " and ".join(clipped))
    return [text]


def _units(text: str) -> str:
    """Print units as a customer reads them on an invoice: m³ and zł."""
    return re.sub(r"\bzl\b", "zł", re.sub(r"\bm3\b", "m³", text))


def explain(result: BillingResult, rules: Rules, contract_id: str) -> str:
    """Text account of every invoice of ``contract_id`` in the result (volumes in m³, money in zł)."""
    return _units(_explain(result, rules, contract_id))


def _explain(result: BillingResult, rules: Rules, contract_id: str) -> str:
    cps = result.periods.loc[result.periods["contract_id"] == contract_id]
    if cps.empty:
        return f"Contract {contract_id}: no billing period closes in this run (see cycle_months and dates).\n"
    out: list[str] = []
    scale = 10**rules.m3_decimals
    for _, cp in cps.iterrows():
        q = result.quantities.loc[result.quantities["cp_id"] == cp["cp_id"]].iloc[0]
        seg = result.segments.loc[result.segments["cp_id"] == cp["cp_id"]]
        out.append(f"Contract {contract_id}, customer {cp['customer_id']}, premises {cp['premises_id']} "
                   f"({cp['address'] or 'no address'}), tariff group {cp['tariff_group']}, "
                   f"settlement {cp['settlement']}")
        out.append(f"Period {cp['period']}: {str(cp['period_start'])[:10]} to {str(cp['period_end'])[:10]} "
                   f"({int(cp['days'])} days = {cp['months']:.4f} months)")
        out.append("")
        out.append("Step 1. Meters, register values and consumption")
        if seg.empty:
            out.append("  no meter on the premises in this period")
        for _, s in seg.iterrows():
            out.append(f"  {s['role']} meter {s['meter_id']}: {_when(int(s['s0']))} to {_when(int(s['s1']))}, "
                       f"{s['kind']}")
            if s["kind"] == "measured":
                out.extend(_register(s, "open"))
                out.extend(_register(s, "close"))
                line = f"    consumption = {s['close_m3']:.3f} - {s['open_m3']:.3f}"
                if bool(s["rolled_over"]):
                    line += " + one register turn (rollover)"
                if bool(s["value_unknown"]):
                    line = (f"    no register value obtainable: {s['seg_days']:.2f} days x "
                            f"{s['rate_m3_day']:.4f} m3/day ({_rate_origin(s)})")
                line += f" = {s['delta_units'] / scale:.3f} m3"
                out.append(line)
                if bool(s["negative_delta"]):
                    out.append("    NEGATIVE: backflow or a wrong reading - billed 0 m3 and flagged")
            else:
                branch = int(s["fault_branch"])
                unit = "m3/month" if branch == 3 else "m3/day"
                out.extend(_fault_span(s))
                out.append(f"    statutory order, rule used: {BRANCH_LABELS[branch]}")
                if s["fault_history"]:
                    out.append(f"        history on the {s['fault_history']}")
                elif branch > 0:
                    out.append(f"        history {_obs(s, 'fault_obs_a')} to {_obs(s, 'fault_obs_b')}")
                out.append(f"        average {s['fault_average_m3']:.4f} {unit} -> "
                           f"{s['quantity_units'] / scale:.3f} m3")
            out.append(f"    billed {s['quantity_units'] / scale:.3f} m3, basis {RANK_LABELS[int(s['rank'])]}")
            if s["role"] == "garden":
                if bool(s["eligible"]):
                    out.append(f"    garden submeter registered, sealed and legalised through the period end; "
                               f"{s['season_days']:.0f} of {s['seg_days']:.0f} days in season -> deductible "
                               f"{s['deductible_units'] / scale:.3f} m3")
                else:
                    out.append(f"    garden submeter NOT deducted: {s['reason']}")
        out.append("")
        out.append("Step 2. Water quantity")
        if not bool(cp["water_service"]):
            out.append("  the contract has no water service")
        else:
            out.append(f"  metered {q['water_measured_units'] / scale:.3f} m3; faulty-meter estimate "
                       f"{q['water_faulty_units'] / scale:.3f} m3")
            if q["norm_months"] > 0:
                out.append(f"  no main meter for {q['norm_months']:.4f} months: norm {cp['persons']} persons x "
                           f"{cp['norm_m3_per_person_month']} m3/person/month (category {cp['norm_category']}, "
                           f"sewered {bool(cp['sewered'])}) x {q['norm_months']:.4f} = "
                           f"{q['water_norm_units'] / scale:.3f} m3 (art. 27 ust. 1, Dz.U. 2002 Nr 8 poz. 70)")
        out.append("")
        out.append(f"Step 3. Sewage: {q['sewage_rule']}")
        if q["sewage_rule"].startswith("water"):
            out.append(f"  water {q['water_total_units'] / scale:.3f} m3 (network incl. norm/estimates "
                       f"{(q['water_total_units'] - q['intake_units']) / scale:.3f} + own intake "
                       f"{q['intake_units'] / scale:.3f}) - garden {q['garden_deductible_units'] / scale:.3f} m3 "
                       f"= max(0, ...) = {q['sewage_units'] / scale:.3f} m3")
            if bool(q["garden_exceeds_water"]):
                out.append("  garden submeter exceeds water: sewage set to 0 and flagged")
        elif q["sewage_rule"] == "contract-fixed quantity":
            out.append(f"  {cp['sewage_fixed_m3']} m3/month x {cp['months']:.4f} months = "
                       f"{q['sewage_units'] / scale:.3f} m3 (art. 27 ust. 5)")
        else:
            out.append(f"  {q['sewage_units'] / scale:.3f} m3")
        out.append("")
        out.append("Step 4. Prices")
        parts = result.tariff_parts.loc[result.tariff_parts["cp_id"] == cp["cp_id"]]
        for _, p in parts.iterrows():
            out.append(f"  {_when(int(p['t0']))[:10]} to {_when(int(p['t1'] - DAY))[:10]} ({int(p['days'])} days): "
                       f"water {p['water_price'] / PRICE_SCALE:.4f}, sewage {p['sewage_price'] / PRICE_SCALE:.4f} "
                       f"zl/m3 net; abonament ({cp['abonament_basis']}, {cp['settlement']}) "
                       f"{p['abonament_price'] / PRICE_SCALE:.4f} zl/month net")
        if len(parts) > 1:
            if not np.isnan(parts["split_reading_m3"]).all():
                reading = parts["split_reading_m3"].dropna().iloc[0]
                out.append(f"  metered m3 split by the reading {reading:.3f} m3 on the change date; norm, estimates "
                           "and abonament split by days")
            else:
                out.append("  quantities split by days (daily average), no reading on the change date")
        out.append("")
        out.append("Step 5. Invoice lines")
        lines = result.lines.loc[(result.lines["contract_id"] == contract_id)
                                 & (result.lines["period"] == cp["period"])]
        net_total = vat_total = 0
        for _, ln in lines.iterrows():
            net = round(ln["net_pln"] * 100)
            vat = round(ln["vat_pln"] * 100)
            net_total += net
            vat_total += vat
            qfmt = f"{ln['quantity']:.{rules.m3_decimals if ln['unit'] == 'm3' else rules.months_decimals}f}"
            price = f"{ln['unit_price_net']:.4f} zl/{ln['unit']}"
            out.append(f"  {int(ln['line_no'])}. {ln['item']} ({ln['basis']}), {str(ln['price_from'])[:10]}.."
                       f"{str(ln['price_to'])[:10]}: {qfmt} {ln['unit']} x {price} = "
                       f"{format_grosze(net)} zl net, VAT {format_grosze(vat)} zl, gross {format_grosze(net + vat)} zl")
        if rules.vat_method == "invoice":
            exact = round_half_up_div(np.array([net_total * rules.vat_rate_bp]), BP_SCALE)[0]
            out.append(f"  VAT {rules.vat_rate_pct}% of {format_grosze(net_total)} = "
                       f"{net_total * rules.vat_rate_bp / BP_SCALE / 100:.4f} -> {format_grosze(int(exact))} zl")
        out.append(f"  TOTAL net {format_grosze(net_total)} zl, VAT {format_grosze(vat_total)} zl, "
                   f"gross {format_grosze(net_total + vat_total)} zl")
        out.append("")
        out.append("Rounding: " + rounding_rule(rules))
        exc = result.exceptions.loc[(result.exceptions["contract_id"] == contract_id)
                                    & (result.exceptions["period"] == cp["period"])]
        out.append("")
        out.append("Exceptions: " + ("none" if exc.empty else ""))
        for _, e in exc.iterrows():
            meter = f" meter {e['meter_id']}" if e["meter_id"] else ""
            out.append(f"  {e['kind']}{meter} {e['date']}: {e['detail']}")
        out.append("")
    return "\n".join(out)
