"""Money: virtual NRBs, bank statements (MT940 and CSV) booked to customers, balance and paid invoices.

The NRB checks are against the published check-digit rule; the statements are booked through the
``amr import payments`` command; a bad statement is refused whole with the place named.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from db_urls import db_url  # noqa: F401  (fixture)
from ebok_helpers import billed_db, customer_client, invoice_of, make_app, session
from ingest_data import amr, snapshot
from sqlalchemy import select

from ingest.ebok import nrb
from ingest.ebok.models import Payment

SORT, PREFIX = "10201026", "1000"


def test_nrb_check_digits_and_qr_payload() -> None:
    v = nrb.virtual_nrb(SORT, PREFIX, "123456")
    assert len(v) == 26 and nrb.validate(v) == v and v[2:10] == SORT and v.endswith("123456")
    assert int("".join(str(int(ch, 36)) for ch in v[2:] + "PL" + v[:2])) % 97 == 1  # ISO 13616 / ISO 7064
    for bad in (v[:-1] + str((int(v[-1]) + 1) % 10), v[:25], "PL" + v[:-2] + "xx", "10" + "0" * 24):
        with pytest.raises(nrb.NrbError):
            nrb.validate(bad)
    with pytest.raises(nrb.NrbError):
        nrb.virtual_nrb("10201027", PREFIX, "1")  # settlement number fails its own check digit
    payload = nrb.qr_payload(v, Decimal("123.45"), "PWiK Miasteczko Sp. z o.o.", "Faktura 123456/2026/10/01",
                             "5250001009")
    fields = payload.split("|")
    assert fields[:4] == ["5250001009", "PL", v, "012345"] and len(fields) == 9
    assert len(fields[4]) <= 20 and len(fields[5]) <= 32


def _mt940(path: Path, entries: list[tuple[str, str, str]]) -> Path:
    lines = [":20:STMT1", ":25:PL61109010140000071219812874", ":28C:00001/001", ":60F:C261101PLN0,00"]
    for n, (amount, account, title) in enumerate(entries, start=1):
        lines += [f":61:2611051105C{amount}NTRFNONREF//B{n:04d}",
                  f":86:020~00PRZELEW~20{title}~3010901014~38PL{account}~32NADAWCA"]
    lines.append(":62F:C261105PLN0,00")
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    return path


def test_mt940_and_csv_statements_book_payments_once(db_url: str, tmp_path: Path) -> None:  # noqa: F811
    billed_db(db_url, tmp_path / "folder")
    inv = invoice_of(db_url, "123456")
    anna = nrb.virtual_nrb(SORT, PREFIX, "123456")
    jan = nrb.virtual_nrb(SORT, PREFIX, "234567")
    sta = _mt940(tmp_path / "wyciag.sta", [(f"{inv.gross:.2f}".replace(".", ","), anna, "bez tytulu"),
                                           ("50,00", jan, "woda"),
                                           ("7,00", "61109010140000071219812874", "obcy rachunek")])
    r = amr("import", "payments", sta, "--db", db_url)
    assert r.exit_code == 0, r.stderr
    assert "2 payments booked" in r.stdout and "1 unmatched" in r.stdout and "transaction 3" in r.stdout
    again = amr("import", "payments", sta, "--db", db_url)
    assert again.exit_code == 0 and "0 payments booked" in again.stdout and "2 already booked" in again.stdout
    csv = tmp_path / "bank.csv"
    csv.write_text(f"booked_on,amount,account,title,reference\n2026-11-06,12.50,{jan},woda,X1\n", encoding="utf-8")
    assert amr("import", "payments", csv, "--db", db_url).exit_code == 0
    with session(db_url) as s:
        got = sorted((p.customer_id, p.amount) for p in s.scalars(select(Payment)).all())
    assert got == [("123456", inv.gross), ("234567", Decimal("12.50")), ("234567", Decimal("50.00"))]
    # the customer sees the payment, the invoice paid and a zero balance
    app = make_app(db_url, tmp_path / "mail", base_url="http://testserver")
    c = customer_client(app, db_url, tmp_path / "mail", "123456", "anna@example.pl")
    assert "zapłacona" in c.get("/invoices").text and "niezapłacona" not in c.get("/invoices").text
    assert 'id="balance-123456">0,00 zł' in c.get("/dashboard").text
    assert nrb.pretty(anna) in c.get(f"/invoices/{inv.id}/pay").text


@pytest.mark.parametrize(("name", "text", "message"), [
    ("bad-nrb.csv", "booked_on,amount,account,title,reference\n2026-11-06,12.50,{bad},x,R1\n",
     "row 2, column account: account number '{bad}' has wrong check digits"),
    ("bad-date.csv", "booked_on,amount,account,title,reference\n06.11.2026,12.50,{good},x,R1\n",
     "row 2, column booked_on"),
    ("bad-amount.csv", "booked_on,amount,account,title,reference\n2026-11-06,12.5x,{good},x,R1\n",
     "row 2, column amount"),
    ("missing.csv", "booked_on,amount,account\n2026-11-06,1,{good}\n", "missing column(s) title, reference"),
    ("not.sta", "hello, this is not a bank statement\n", "not an MT940 statement"),
])
def test_bad_statements_are_refused_whole(db_url: str, tmp_path: Path, name: str, text: str,  # noqa: F811
                                          message: str) -> None:
    billed_db(db_url, tmp_path / "folder")
    good = nrb.virtual_nrb(SORT, PREFIX, "123456")
    bad = good[:-1] + str((int(good[-1]) + 3) % 10)
    path = tmp_path / name
    # a good first row, so a refusal proves the whole file is rejected
    body = text.format(good=good, bad=bad)
    if name.endswith(".csv") and name != "missing.csv":
        head, rest = body.split("\n", 1)
        body = f"{head}\n2026-11-05,1.00,{good},ok,R0\n{rest}"
        message = message.replace("row 2", "row 3")
    path.write_text(body, encoding="utf-8")
    before = snapshot(db_url)
    r = amr("import", "payments", path, "--db", db_url)
    assert r.exit_code == 2 and r.stderr.startswith("error: ") and message.format(bad=bad) in r.stderr, r.stderr
    assert "Traceback" not in r.stderr
    assert snapshot(db_url) == before
    with session(db_url) as s:
        assert s.scalars(select(Payment)).all() == []
