"""A refused reading is explained in the page's language, from the one validator's reason code.

``amr import readings --source customer`` and the portal share ``check_self_readings``; the CLI prints
its English sentence, the portal words the same code and values in Polish (decimal comma) or English.
"""

from __future__ import annotations

import datetime as dt
import html
from pathlib import Path

import pytest
from db_urls import db_url  # noqa: F401  (fixture)
from ebok_helpers import billed_db, csrf_of, customer_client, make_app

from ingest.ebok.messages import READING_REASONS_PL, reading_reason
from ingest.importers.self_readings import REASONS

CLOCK = dt.datetime(2026, 10, 20, 12, 0, tzinfo=dt.UTC)


def _submit(client, meter_id: str, value: str):  # type: ignore[no-untyped-def]
    page = client.get("/readings/submit")
    return client.post("/readings/submit", data={"csrf": csrf_of(page.text), "meter_id": meter_id, "value": value})


def test_lower_reading_is_refused_in_polish_then_english(db_url: str, tmp_path: Path) -> None:  # noqa: F811
    billed_db(db_url, tmp_path / "folder")
    app = make_app(db_url, tmp_path / "mail", base_url="http://testserver", clock=lambda: CLOCK)
    anna = customer_client(app, db_url, tmp_path / "mail", "123456", "anna@example.pl")
    r = _submit(anna, "00012346", "19,5")  # the last reading: 20 m³ on 30 September 08:00
    assert r.status_code == 422
    text = html.unescape(r.text)
    assert ("Odczyt odrzucony: stan 19,5 m³ jest niższy niż poprzedni odczyt 20 m³ z 2026-09-30 08:00, a nie "
            "wyjaśnia tego ani wymiana licznika, ani przekręcenie się licznika") in text
    assert "is below" not in text
    anna.get("/lang/en?next=/readings/submit")
    r = _submit(anna, "00012346", "19,5")
    assert r.status_code == 422
    assert ("Reading rejected: total_m3 19.5 is below the previous reading 20 m³ of 2026-09-30 08:00, and no meter "
            "replacement or register rollover explains it") in html.unescape(r.text)


@pytest.mark.parametrize("code", sorted(REASONS))
def test_every_reason_code_has_a_polish_wording(code: str) -> None:
    assert set(READING_REASONS_PL) == set(REASONS)
    params = {"meter": "00012345", "role": "sewage", "total": "1.5", "at": "2027-01-01T00:00:00+00:00",
              "day": "2026-01-01", "installed": "2026-02-01", "removed": "2026-06-30", "new": "00012346",
              "later": "2.5", "later_at": "2026-10-01 10:00", "previous": "2.5", "previous_at": "2026-09-30 10:00"}
    polish = reading_reason("pl", code, params)
    assert "{" not in polish and "1.5" not in polish and "2.5" not in polish
    assert reading_reason("en", code, params) == REASONS[code].format(**params)
