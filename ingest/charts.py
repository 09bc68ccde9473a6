"""Consumption charts for billing staff: a meter's or a contract's register over time, as a PNG.

A clerk who doubts an invoice wants to see the readings behind it: where the van read, where the
customer read, where billing estimated, when a meter was replaced and when an alarm was raised, with the
billing periods shaded so the invoice's window is obvious. The function is pure (rows in, PNG bytes
out); the command loads the rows from the database.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass

SOURCE_STYLE = {
    "van": ("o", "#1565c0", "van"),
    "customer": ("s", "#2e7d32", "customer"),
    "manual": ("D", "#6a1b9a", "manual"),
    "import": ("^", "#455a64", "import"),
    "estimate": ("x", "#ef6c00", "estimate"),
}


@dataclass(frozen=True, slots=True)
class ChartReading:
    meter_id: str
    read_at: dt.datetime
    total_m3: float
    source: str
    alarms: str = ""


@dataclass(frozen=True, slots=True)
class Replacement:
    on: dt.date
    old_meter_id: str
    new_meter_id: str


def readings_png(title: str, readings: Sequence[ChartReading], periods: Sequence[tuple[dt.date, dt.date]] = (),
                 replacements: Sequence[Replacement] = ()) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(10, 5), dpi=100)
    for i, (start, end) in enumerate(periods):
        ax.axvspan(dt.datetime.combine(start, dt.time()), dt.datetime.combine(end, dt.time.max),
                   color="#90caf9" if i % 2 == 0 else "#bbdefb", alpha=0.35, lw=0,
                   label="billing period" if i == 0 else None)
    by_meter: dict[str, list[ChartReading]] = {}
    for r in sorted(readings, key=lambda r: r.read_at):
        by_meter.setdefault(r.meter_id, []).append(r)
    for meter_id, rows in by_meter.items():
        ax.plot([r.read_at for r in rows], [r.total_m3 for r in rows], color="#9e9e9e", lw=0.8, zorder=1)
        ax.annotate(meter_id, (rows[-1].read_at, rows[-1].total_m3), fontsize=7, xytext=(3, 0),
                    textcoords="offset points")
    for source, (marker, colour, label) in SOURCE_STYLE.items():
        pts = [r for r in readings if r.source == source]
        if pts:
            ax.scatter([r.read_at for r in pts], [r.total_m3 for r in pts], marker=marker, s=22, color=colour,
                       label=f"{label} ({len(pts)})", zorder=3)
    alarmed = [r for r in readings if r.alarms]
    if alarmed:
        ax.scatter([r.read_at for r in alarmed], [r.total_m3 for r in alarmed], s=110, facecolors="none",
                   edgecolors="#c62828", linewidths=1.5, label=f"alarm ({len(alarmed)})", zorder=4)
    for i, rep in enumerate(replacements):
        ax.axvline(dt.datetime.combine(rep.on, dt.time()), color="#c62828", ls="--", lw=1,
                   label="meter replaced" if i == 0 else None)
        ax.annotate(f"{rep.old_meter_id} → {rep.new_meter_id}", (dt.datetime.combine(rep.on, dt.time()), 0),
                    xycoords=("data", "axes fraction"), fontsize=7, rotation=90, va="bottom", ha="right")
    ax.set_title(title)
    ax.set_ylabel("register, m³")
    ax.grid(alpha=0.3)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(loc="upper left", fontsize=8)
    else:
        ax.text(0.5, 0.5, "no readings", transform=ax.transAxes, ha="center", color="#757575")
    fig.autofmt_xdate()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()
