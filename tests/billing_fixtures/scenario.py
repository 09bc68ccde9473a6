"""A tiny town builder for worked billing cases.

Rows are written as text, exactly like cells of the CSV files, and go through the same validation
(``ingest.billing_inputs.parse_tables``) as a real data folder before the engine sees them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from billing_rules.engine import bill
from billing_rules.types import BillingResult
from ingest.billing_inputs import SCHEMAS, make_rules, parse_tables


def _cells(row: dict[str, Any]) -> dict[str, str]:
    out = {}
    for key, value in row.items():
        if value is None:
            out[key] = ""
        elif isinstance(value, bool):
            out[key] = "true" if value else "false"
        else:
            out[key] = str(value)
    return out


@dataclass
class Scenario:
    """Default: one sewered premises P1 (2 persons, norm T1-4), contract C1 on group G1, monthly.

    Group G1 prices: water 5.00 zł/m³, sewage 8.00 zł/m³, abonament per month: meter e-invoice 4.00,
    meter paper 6.00, norm e-invoice 3.00, norm paper 5.00 (all net).
    """

    tables: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in ("customers", "premises", "contracts", "meters", "readings", "tariffs", "abonaments",
                     "billing_periods", "billed_registers"):
            self.tables.setdefault(name, [])

    @classmethod
    def default(cls, **contract: Any) -> Scenario:
        s = cls()
        s.tables["customers"].append({"customer_id": "K1", "name": "Jan Kowalski"})
        s.premises()
        s.contract(**contract)
        s.tariff("G1", "2020-01-01", None, "5.00", "8.00")
        for basis, settlement, price in (("meter", "e-invoice", "4.00"), ("meter", "paper", "6.00"),
                                         ("norm", "e-invoice", "3.00"), ("norm", "paper", "5.00")):
            s.abonament("G1", "2020-01-01", None, basis, settlement, price)
        return s

    def premises(self, premises_id: str = "P1", persons: int = 2, norm_category: str | None = "T1-4",
                 sewered: bool = True) -> Scenario:
        self.tables["premises"].append({"premises_id": premises_id, "address": f"ul. Wodna 1/{premises_id}",
                                        "persons": persons, "norm_category": norm_category,
                                        "sewered": sewered})
        return self

    def contract(self, contract_id: str = "C1", premises_id: str = "P1", **kw: Any) -> Scenario:
        row = {"contract_id": contract_id, "customer_id": "K1", "premises_id": premises_id,
               "tariff_group": "G1", "cycle_months": 1, "settlement": "e-invoice",
               "start_date": "2020-01-01"}
        row.update(kw)
        self.tables["contracts"].append(row)
        return self

    def meter(self, meter_id: str, role: str = "main", premises_id: str = "P1", install_date: str = "2020-01-01",
              **kw: Any) -> Scenario:
        row = {"meter_id": meter_id, "premises_id": premises_id, "role": role, "manufacturer": "APA",
               "install_date": install_date, "initial_m3": 0}
        row.update(kw)
        self.tables["meters"].append(row)
        return self

    def read(self, meter_id: str, read_at: str, total_m3: float | None = None, source: str = "van",
             target_m3: float | None = None, target_date: str | None = None, alarms: str = "") -> Scenario:
        self.tables["readings"].append({"meter_id": meter_id, "read_at": read_at, "total_m3": total_m3,
                                        "target_m3": target_m3, "target_date": target_date,
                                        "source": source, "alarms": alarms})
        return self

    def tariff(self, group: str, valid_from: str, valid_to: str | None, water: str, sewage: str) -> Scenario:
        self.tables["tariffs"].append({"tariff_group": group, "valid_from": valid_from, "valid_to": valid_to,
                                       "water_m3_net": water, "sewage_m3_net": sewage})
        return self

    def abonament(self, group: str, valid_from: str, valid_to: str | None, basis: str, settlement: str,
                  price: str) -> Scenario:
        self.tables["abonaments"].append({"tariff_group": group, "valid_from": valid_from,
                                          "valid_to": valid_to, "basis": basis, "settlement": settlement,
                                          "abonament_month_net": price})
        return self

    def billed(self, meter_id: str, boundary_date: str, register_m3: float, basis: str) -> Scenario:
        self.tables["billed_registers"].append({"meter_id": meter_id, "boundary_date": boundary_date,
                                                "register_m3": register_m3, "basis": basis})
        return self

    def raw(self) -> dict[str, pd.DataFrame]:
        out = {}
        for name, rows in self.tables.items():
            columns = [c.name for c in SCHEMAS[name]]
            frame = pd.DataFrame([_cells(r) for r in rows], dtype=str)
            for c in columns:
                if c not in frame.columns:
                    frame[c] = pd.Series([""] * len(frame), dtype=str)
            out[name] = frame
        return out

    def run(self, period: str, contracts: list[str] | None = None) -> Result:
        inputs, norms = parse_tables(self.raw())
        rules = make_rules(self.settings, norms)
        return Result(bill(inputs, rules, period, contracts))


@dataclass
class Result:
    """Accessors that keep the assertions of worked cases short and readable."""

    r: BillingResult

    @property
    def lines(self) -> pd.DataFrame:
        return self.r.lines

    @property
    def exceptions(self) -> pd.DataFrame:
        return self.r.exceptions

    def qty(self, item: str, basis: str | None = None, contract: str = "C1") -> float:
        lines = self.lines.loc[(self.lines["contract_id"] == contract) & (self.lines["item"] == item)]
        if basis is not None:
            lines = lines.loc[lines["basis"] == basis]
        return round(float(lines["quantity"].sum()), 6)

    def line(self, item: str, contract: str = "C1") -> pd.Series:
        lines = self.lines.loc[(self.lines["contract_id"] == contract) & (self.lines["item"] == item)]
        assert len(lines) == 1, lines
        return lines.iloc[0]

    def kinds(self, contract: str = "C1") -> set[str]:
        return set(self.exceptions.loc[self.exceptions["contract_id"] == contract, "kind"])

    def total_gross(self, contract: str = "C1") -> float:
        return round(float(self.lines.loc[self.lines["contract_id"] == contract, "gross_pln"].sum()), 2)
