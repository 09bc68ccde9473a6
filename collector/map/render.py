"""Pure rendering of a coverage map: meters and a GPS track in, HTML text or PNG bytes out.

The projection is a local equirectangular one (x scaled by cos(latitude)), exact enough for a town a
few kilometres wide and free of any map library. Each meter is drawn once, in the colour of its state,
and carries its id, address and last reading time in a tooltip, so the file alone answers "which
houses are still unread".
"""

from __future__ import annotations

import html
import io
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

STATES = ("read", "missed", "alarm")
COLOURS = {"read": "#2e7d32", "missed": "#c62828", "alarm": "#ef6c00"}
LABELS = {"read": "read", "missed": "missed", "alarm": "read, with an alarm"}


@dataclass(frozen=True, slots=True)
class MapMeter:
    meter_id: str
    lat: float
    lon: float
    state: str  # one of STATES
    address: str = ""
    detail: str = ""  # e.g. "heard 3×, last 10:42:07, LEAK"


class _Projection:
    def __init__(self, points: Sequence[tuple[float, float]], width: int, height: int, margin: int = 20) -> None:
        lats = [p[0] for p in points] or [0.0]
        lons = [p[1] for p in points] or [0.0]
        self.lat0 = (min(lats) + max(lats)) / 2
        self.k = math.cos(math.radians(self.lat0))
        self.min_x, self.max_x = min(lons) * self.k, max(lons) * self.k
        self.min_y, self.max_y = min(lats), max(lats)
        span_x = max(self.max_x - self.min_x, 1e-9)
        span_y = max(self.max_y - self.min_y, 1e-9)
        self.scale = min((width - 2 * margin) / span_x, (height - 2 * margin) / span_y)
        # centre the town in the frame whichever way it is longer
        self.off_x = (width - span_x * self.scale) / 2
        self.off_y = (height - span_y * self.scale) / 2
        self.height = height

    def __call__(self, lat: float, lon: float) -> tuple[float, float]:
        x = self.off_x + (lon * self.k - self.min_x) * self.scale
        y = self.height - self.off_y - (lat - self.min_y) * self.scale
        return round(x, 1), round(y, 1)


def counts(meters: Sequence[MapMeter]) -> dict[str, int]:
    c = Counter(m.state for m in meters)
    return {s: c.get(s, 0) for s in STATES}


def render_svg(meters: Sequence[MapMeter], track: Sequence[tuple[float, float]], width: int = 1000,
               height: int = 800) -> str:
    proj = _Projection([(m.lat, m.lon) for m in meters] + list(track), width, height)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
           f'role="img" aria-label="coverage map">',
           f'<rect width="{width}" height="{height}" fill="#fafafa"/>']
    if track:
        pts = " ".join(f"{x},{y}" for x, y in (proj(lat, lon) for lat, lon in track))
        out.append(f'<polyline id="track" points="{pts}" fill="none" stroke="#1565c0" stroke-width="1.5" '
                   'stroke-opacity="0.6"/>')
    # Missed meters last, so they sit on top: they are what the crew is looking for.
    for state in ("read", "alarm", "missed"):
        out.append(f'<g class="meters {state}" fill="{COLOURS[state]}">')
        for m in meters:
            if m.state != state:
                continue
            x, y = proj(m.lat, m.lon)
            tip = html.escape(" · ".join(p for p in (m.meter_id, m.address, LABELS[state], m.detail) if p))
            out.append(f'<circle cx="{x}" cy="{y}" r="3.5" data-meter="{html.escape(m.meter_id)}">'
                       f"<title>{tip}</title></circle>")
        out.append("</g>")
    out.append("</svg>")
    return "\n".join(out)


def render_html(meters: Sequence[MapMeter], track: Sequence[tuple[float, float]], title: str) -> str:
    c = counts(meters)
    total = len(meters)
    legend = "".join(
        f'<li><span class="dot" style="background:{COLOURS[s]}"></span>{LABELS[s]}: '
        f'<b id="count-{s}">{c[s]}</b></li>' for s in STATES
    )
    missed = sorted((m for m in meters if m.state == "missed"), key=lambda m: m.meter_id)
    rows = "".join(f"<tr><td>{html.escape(m.meter_id)}</td><td>{html.escape(m.address)}</td></tr>"
                   for m in missed)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>
body{{font-family:system-ui,sans-serif;margin:1rem;color:#222}} .dot{{display:inline-block;width:.8em;height:.8em;
border-radius:50%;margin-right:.4em}} ul{{list-style:none;padding:0;display:flex;gap:1.5rem}}
.wrap{{display:flex;gap:1rem;align-items:flex-start}} .map{{flex:3;border:1px solid #ccc}}
.side{{flex:1;max-height:800px;overflow:auto;font-size:.85rem}} td{{padding:0 .5em}}
</style></head><body>
<h1>{html.escape(title)}</h1>
<p>Meters on the route: <b id="count-total">{total}</b>; read: <b id="count-heard">{c["read"] + c["alarm"]}</b></p>
<ul class="legend">{legend}<li><span class="dot" style="background:#1565c0"></span>van track</li></ul>
<div class="wrap"><div class="map">{render_svg(meters, track)}</div>
<div class="side"><h2>Missed ({c["missed"]})</h2>
<table id="missed"><tr><th>meter</th><th>address</th></tr>{rows}</table>
</div></div></body></html>
"""


def render_png(meters: Sequence[MapMeter], track: Sequence[tuple[float, float]], title: str) -> bytes:
    """The same map as a PNG, for a report or an e-mail (matplotlib, headless Agg backend)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    lat0 = sum(m.lat for m in meters) / len(meters) if meters else 0.0
    k = math.cos(math.radians(lat0))
    fig, ax = plt.subplots(figsize=(10, 8), dpi=100)
    if track:
        ax.plot([lon * k for _, lon in track], [lat for lat, _ in track], color="#1565c0", lw=0.8, alpha=0.6,
                label="van track")
    c = counts(meters)
    for state in ("read", "alarm", "missed"):
        pts = [m for m in meters if m.state == state]
        if pts:
            ax.scatter([m.lon * k for m in pts], [m.lat for m in pts], s=9, color=COLOURS[state],
                       label=f"{LABELS[state]} ({c[state]})", zorder=3)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(title)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()
