"""Properties of the billing arithmetic, checked on generated inputs (hypothesis)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from billing_rules.money import round_half_up_div, split_by_weights

try:
    from billing_fixtures.scenario import Scenario
except ImportError:  # when tests/ is imported as a package
    from tests.billing_fixtures.scenario import Scenario


@given(total=st.integers(min_value=-10**9, max_value=10**9),
       weights=st.lists(st.integers(min_value=0, max_value=400), min_size=1, max_size=8))
def test_split_parts_sum_to_the_total(total: int, weights: list[int]) -> None:
    w = np.array(weights, dtype=np.int64)
    cum = np.cumsum(w)
    parts = split_by_weights(np.full(len(w), total), cum - w, cum, np.full(len(w), cum[-1]))
    if cum[-1] == 0:
        assert (parts == 0).all()
        return
    assert int(parts.sum()) == total
    # and each part is within one unit of its exact proportional share
    exact = np.array([Decimal(total) * Decimal(int(x)) / Decimal(int(cum[-1])) for x in w])
    assert all(abs(Decimal(int(p)) - e) < 1 for p, e in zip(parts, exact, strict=True))


@given(numer=st.integers(min_value=-10**15, max_value=10**15), exp=st.integers(min_value=1, max_value=6))
def test_half_up_matches_decimal(numer: int, exp: int) -> None:
    denom = 10**exp
    expected = (Decimal(numer) / Decimal(denom)).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    assert int(round_half_up_div(np.array([numer]), denom)[0]) == int(expected)


contract_st = st.fixed_dictionaries({
    "main": st.one_of(st.none(), st.floats(min_value=0, max_value=400).map(lambda x: round(x, 3))),
    "garden": st.one_of(st.none(), st.floats(min_value=0, max_value=400).map(lambda x: round(x, 3))),
    "garden_valid": st.booleans(),
    "sewage_meter": st.one_of(st.none(), st.floats(min_value=0, max_value=100).map(lambda x: round(x, 3))),
    "intake": st.one_of(st.none(), st.floats(min_value=0, max_value=50).map(lambda x: round(x, 3))),
    "persons": st.integers(min_value=0, max_value=8),
    "sewered": st.booleans(),
    "paper": st.booleans(),
    "read_day": st.integers(min_value=1, max_value=31),
})


def _town(contracts: list[dict], change_day: int | None, water: str, sewage: str) -> Scenario:
    s = Scenario()
    s.tables["customers"].append({"customer_id": "K1"})
    if change_day is None:
        s.tariff("G1", "2020-01-01", None, water, sewage)
    else:
        s.tariff("G1", "2020-01-01", f"2026-10-{change_day - 1:02d}", water, sewage)
        s.tariff("G1", f"2026-10-{change_day:02d}", None, sewage, water)
    for basis in ("meter", "norm"):
        for settlement, price in (("e-invoice", "3.17"), ("paper", "5.03")):
            s.abonament("G1", "2020-01-01", None, basis, settlement, price)
    for i, c in enumerate(contracts):
        p = f"P{i}"
        s.premises(p, persons=c["persons"], sewered=c["sewered"])
        s.contract(f"C{i}", p, settlement="paper" if c["paper"] else "e-invoice")
        for kind, role, digit in (("main", "main", 1), ("garden", "garden", 2), ("sewage_meter", "sewage", 3),
                                  ("intake", "intake", 4)):
            if c[kind] is None:
                continue
            mid = f"{digit}{i:07d}"
            extra = {"registered": True, "sealed": c["garden_valid"], "legalised_until": "2030-01-01"}
            s.meter(mid, role=role, premises_id=p, **(extra if role == "garden" else {}))
            s.billed(mid, "2026-09-30", 1000.0, "reading")
            s.read(mid, "2026-11-01T00:00:00", round(1000.0 + c[kind], 3))
            if role == "main":
                s.read(mid, f"2026-10-{c['read_day']:02d}T12:00:00", round(1000.0 + c[kind] / 2, 3))
    return s


@settings(max_examples=15, deadline=None)
@given(contracts=st.lists(contract_st, min_size=1, max_size=6),
       change_day=st.one_of(st.none(), st.integers(min_value=2, max_value=31)),
       water=st.decimals(min_value=0, max_value=20, places=2).map(str),
       sewage=st.decimals(min_value=0, max_value=20, places=2).map(str))
def test_town_invoices_are_consistent(contracts: list[dict], change_day: int | None, water: str,
                                      sewage: str) -> None:
    r = _town(contracts, change_day, water, sewage).run("2026-10").lines
    assert len(r) > 0
    # no sewage is negative, no quantity is negative
    assert (r["quantity"] >= 0).all()
    for i, c in enumerate(contracts):
        lines = r.loc[r["contract_id"] == f"C{i}"]
        # the lines of an invoice sum to its total: gross = net + VAT, VAT = 8 % of the summed net, half-up
        net = round(lines["net_pln"].sum() * 100)
        vat = round(lines["vat_pln"].sum() * 100)
        gross = round(lines["gross_pln"].sum() * 100)
        assert vat == int((Decimal(net) * Decimal("0.08")).quantize(Decimal(1), rounding=ROUND_HALF_UP))
        assert gross == net + vat
        # each line: net = quantity x unit price, rounded half-up to the grosz
        for _, ln in lines.iterrows():
            exact = Decimal(str(ln["quantity"])) * Decimal(str(ln["unit_price_net"])) * 100
            assert round(ln["net_pln"] * 100) == int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))
        # split parts sum to the total: metered water over the tariff parts equals the meter's delta
        water_m3 = lines.loc[(lines["item"] == "water") & (lines["basis"] == "reading"), "quantity"].sum()
        if c["main"] is not None:
            assert round(water_m3, 3) == round(c["main"], 3)
        sewage_m3 = lines.loc[lines["item"] == "sewage", "quantity"].sum()
        if c["sewered"] and c["sewage_meter"] is None and c["main"] is not None:
            garden = c["garden"] if (c["garden"] is not None and c["garden_valid"]) else 0.0
            expected = max(0.0, c["main"] + (c["intake"] or 0.0) - garden)
            assert round(sewage_m3, 3) == round(expected, 3)
        if not c["sewered"]:
            assert sewage_m3 == 0
