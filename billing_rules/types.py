"""Shared shapes of the billing engine: the rules object, the input bundle and the result.

The engine takes already-typed pandas frames (``ingest.billing_inputs`` builds them from files) so that
billing itself stays pure and can be fed by any source: a folder of CSV files, a database query or a
simulator.  Every number a utility may want to change (VAT, norms, thresholds) arrives through
:class:`Rules`, built from ``billing_rules/data/settings.json``; nothing here carries a default value.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pandas as pd

# Line items are words, not numbers; they appear in the invoice lines and in explain output.
# (Bases are ranked in consumption.RANK_LABELS: a quantity takes the weakest basis that produced it.)
ITEM_WATER = "water"
ITEM_SEWAGE = "sewage"
ITEM_ABONAMENT = "abonament"

ROLES = ("main", "garden", "sewage", "intake")
SOURCES = ("van", "customer", "manual", "import")
SETTLEMENTS = ("e-invoice", "paper")
ABONAMENT_BASES = ("meter", "norm")


class BillingDataError(ValueError):
    """Raised when the inputs are consistent row by row but cannot be billed (e.g. a tariff gap).

    It carries the file and column that has to be fixed so the CLI can print one clear line.
    """

    def __init__(self, file: str, column: str, message: str) -> None:
        super().__init__(f"{file}: column {column}: {message}")
        self.file = file
        self.column = column
        self.message = message


@dataclass(frozen=True)
class Rules:
    """Utility-specific settings, loaded from JSON so that a utility can change them without code."""

    vat_rate_pct: Decimal
    vat_method: str  # "invoice" or "line"
    m3_decimals: int
    months_decimals: int
    due_date_convention: str  # "end_of_day" or "start_of_day"
    boundary_tolerance_days: float
    history_days: int
    min_history_days: int
    fault_months_before: int
    fault_history_tolerance_days: int
    garden_season: tuple[tuple[int, int], tuple[int, int]] | None
    default_anchor_month: int
    high_consumption_factor: float
    median_history_days: int
    legalisation_warning_days: int
    alarm_kinds: dict[str, str]
    norms: pd.DataFrame  # norm_category, sewered, m3_per_person_month

    @property
    def vat_rate_bp(self) -> int:
        """VAT rate in hundredths of a percent, so that VAT arithmetic stays in integers."""
        return int(self.vat_rate_pct * 100)

    @classmethod
    def from_settings(cls, settings: dict[str, Any], norms: pd.DataFrame) -> Rules:
        """Build rules from the nested settings dictionary (see ``data/settings.json``)."""

        def month_day(value: str | None) -> tuple[int, int] | None:
            if value is None:
                return None
            month, day = value.split("-")
            return int(month), int(day)

        garden = settings["garden"]
        start, end = month_day(garden.get("season_from")), month_day(garden.get("season_to"))
        if (start is None) != (end is None):
            raise ValueError("settings garden: give both season_from and season_to, or neither")
        vat_method = settings["vat"]["method"]
        if vat_method not in ("invoice", "line"):
            raise ValueError(f"settings vat.method must be 'invoice' or 'line', got {vat_method!r}")
        convention = settings["readings"]["due_date_convention"]
        if convention not in ("end_of_day", "start_of_day"):
            raise ValueError(
                f"settings readings.due_date_convention must be end_of_day or start_of_day, got {convention!r}"
            )
        try:
            vat_rate = Decimal(str(settings["vat"]["rate_pct"]))
        except ArithmeticError:
            raise ValueError(f"settings vat.rate_pct must be a number, got {settings['vat']['rate_pct']!r}") from None
        return cls(
            vat_rate_pct=vat_rate,
            vat_method=vat_method,
            m3_decimals=int(settings["quantities"]["m3_decimals"]),
            months_decimals=int(settings["quantities"]["months_decimals"]),
            due_date_convention=convention,
            boundary_tolerance_days=float(settings["readings"]["boundary_tolerance_days"]),
            history_days=int(settings["readings"]["history_days"]),
            min_history_days=int(settings["readings"]["min_history_days"]),
            fault_months_before=int(settings["faulty_meter"]["months_before_fault"]),
            fault_history_tolerance_days=int(settings["faulty_meter"]["history_tolerance_days"]),
            garden_season=None if start is None or end is None else (start, end),
            default_anchor_month=int(settings["cycles"]["default_anchor_month"]),
            high_consumption_factor=float(settings["exceptions"]["high_consumption_factor"]),
            median_history_days=int(settings["exceptions"]["median_history_days"]),
            legalisation_warning_days=int(settings["exceptions"]["legalisation_warning_days"]),
            alarm_kinds={str(k).upper(): str(v) for k, v in settings["alarms"].items()},
            norms=norms,
        )


@dataclass
class BillingInputs:
    """Typed master data, readings and tariffs; column lists are documented in billing_rules/README.md."""

    customers: pd.DataFrame
    premises: pd.DataFrame
    contracts: pd.DataFrame
    meters: pd.DataFrame
    readings: pd.DataFrame
    tariffs: pd.DataFrame
    abonaments: pd.DataFrame
    billing_periods: pd.DataFrame
    billed_registers: pd.DataFrame
    files: dict[str, str] = field(default_factory=dict)  # table -> file it came from, for messages


@dataclass
class BillingResult:
    """Invoice lines and exceptions, plus the intermediate frames that explain prints."""

    lines: pd.DataFrame
    exceptions: pd.DataFrame
    registers: pd.DataFrame
    periods: pd.DataFrame = field(default_factory=pd.DataFrame)
    segments: pd.DataFrame = field(default_factory=pd.DataFrame)
    quantities: pd.DataFrame = field(default_factory=pd.DataFrame)
    tariff_parts: pd.DataFrame = field(default_factory=pd.DataFrame)
