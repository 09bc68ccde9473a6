"""The crew's coverage map and the clerk's consumption chart, rendered from known inputs."""

from __future__ import annotations

import datetime as dt
import re

from collector.map import MapMeter, render_html, render_png
from ingest.charts import ChartReading, Replacement, readings_png

PNG = b"\x89PNG\r\n\x1a\n"


def town(n: int = 60) -> list[MapMeter]:
    states = ("read", "read", "missed", "alarm", "read")
    return [MapMeter(f"{10000000 + i}", 50.1 + (i // 10) * 0.0005, 18.98 + (i % 10) * 0.0007, states[i % 5],
                     f"ul. Polna {i + 1}") for i in range(n)]


def test_map_counts_and_every_meter_drawn_once() -> None:
    meters = town()
    page = render_html(meters, [(50.1, 18.98), (50.103, 18.986)], "Coverage 2026-12-01")
    assert re.search(r'id="count-total">60<', page)
    assert re.search(r'id="count-read">36<', page)
    assert re.search(r'id="count-missed">12<', page)
    assert re.search(r'id="count-alarm">12<', page)
    assert re.search(r'id="count-heard">48<', page)
    drawn = re.findall(r'data-meter="(\d{8})"', page)
    assert sorted(drawn) == sorted(m.meter_id for m in meters)
    missed_rows = re.findall(r"<tr><td>(\d{8})</td>", page)
    assert sorted(missed_rows) == sorted(m.meter_id for m in meters if m.state == "missed")
    assert "<polyline" in page


def test_map_is_self_contained_and_escapes_text() -> None:
    meters = [MapMeter("12345678", 50.1, 18.9, "missed", '<script>alert("x")</script>')]
    page = render_html(meters, [], "T")
    assert "<script>" not in page
    assert "&lt;script&gt;" in page
    urls = set(re.findall(r"(?:src|href)=\"([^\"]+)\"", page)) | set(re.findall(r"url\(([^)]+)\)", page))
    assert urls == set(), urls
    assert "http" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")


def test_map_png() -> None:
    data = render_png(town(), [(50.1, 18.98), (50.101, 18.99)], "Coverage")
    assert data.startswith(PNG) and len(data) > 5000


def test_chart_png_with_estimates_replacements_and_periods() -> None:
    rows = [ChartReading("12345678", dt.datetime(2026, m, 1, 8), 10 + 3 * m, "van" if m % 4 else "estimate",
                         "LEAK" if m == 5 else "") for m in range(1, 12)]
    periods = [(dt.date(2026, m, 1), dt.date(2026, m + 1, 1) - dt.timedelta(days=1)) for m in range(1, 11)]
    data = readings_png("Meter 12345678", rows, periods, [Replacement(dt.date(2026, 6, 15), "11111111", "12345678")])
    assert data.startswith(PNG) and len(data) > 5000
    # an empty history still renders (a meter installed today)
    assert readings_png("Meter 1", []).startswith(PNG)
