"""Staff commands of the portal: e-invoices by e-mail, notes, and clear errors for bad arguments."""

from __future__ import annotations

import email
from email import policy
from pathlib import Path

from db_urls import db_url  # noqa: F401  (fixture)
from ebok_helpers import bill, billed_db, session
from ingest_data import amr

from ingest.models.master import Contract


def test_send_invoices_mails_pdfs_of_e_invoice_contracts_only(db_url: str, tmp_path: Path) -> None:  # noqa: F811
    billed_db(db_url, tmp_path / "folder")
    with session(db_url) as s:
        settlements = {c.contract_id: c.settlement for c in s.query(Contract).all()}
    mail_dir = tmp_path / "mail"
    r = amr("ebok", "send-invoices", "--db", db_url, "--period", "2026-10", "--mail-dir", mail_dir)
    assert r.exit_code == 0, r.stderr
    sent = [email.message_from_bytes(p.read_bytes(), policy=policy.default) for p in mail_dir.glob("*.eml")]
    e_contracts = [k for k, v in settlements.items() if v == "e-invoice"]
    # K2 (customer 234567) has e-invoice but no e-mail address and no portal account: counted as skipped
    assert "0 e-invoices sent, 1 without an e-mail address" in r.stdout and e_contracts == ["K2"]
    assert sent == []
    with session(db_url) as s:
        s.get(Contract, "K1").settlement = "e-invoice"
        s.commit()
    # October's invoice was billed on paper and stays a paper invoice; November's is billed as an e-invoice
    r = amr("ebok", "send-invoices", "--db", db_url, "--period", "2026-10", "--mail-dir", mail_dir)
    assert "0 e-invoices sent" in r.stdout and not list(mail_dir.glob("*.eml"))
    bill(db_url, "2026-11", "2026-12-02")
    r = amr("ebok", "send-invoices", "--db", db_url, "--period", "2026-11", "--mail-dir", mail_dir)
    assert "1 e-invoices sent" in r.stdout
    msg = email.message_from_bytes(next(mail_dir.glob("*.eml")).read_bytes(), policy=policy.default)
    assert msg["To"] == "anna@example.pl"
    pdf = next(msg.iter_attachments())
    assert pdf.get_content_type() == "application/pdf" and pdf.get_content()[:5] == b"%PDF-"


def test_bad_arguments_give_one_error_line(db_url: str, tmp_path: Path) -> None:  # noqa: F811
    billed_db(db_url, tmp_path / "folder")
    for args, needle in [
        (("ebok", "notes", "add", "--db", db_url, "--customer", "999999", "--amount", "1", "--description", "x"),
         "customer 999999 does not exist"),
        (("ebok", "notes", "add", "--db", db_url, "--customer", "123456", "--amount", "abc", "--description", "x"),
         "--amount 'abc' is not a number"),
        (("ebok", "tickets", "close", "AW/2026/000001", "--db", db_url), "ticket AW/2026/000001 does not exist"),
        (("ebok", "tickets", "list", "--db", db_url, "--status", "weird"), "--status 'weird'"),
        (("import", "payments", tmp_path / "missing.sta", "--db", db_url), "no such file"),
        (("ebok", "managers", "add", "--db", db_url, "--company", "X", "--email", "not-an-email",
          "--premises", "P1"), "--email must be an e-mail address"),
    ]:
        r = amr(*args)
        assert r.exit_code == 2 and r.stderr.startswith("error: ") and needle in r.stderr, (args, r.stderr)
        assert "Traceback" not in r.stderr
    r = amr("ebok", "notes", "add", "--db", db_url, "--customer", "123456", "--amount", "4,50",
            "--description", "odsetki")
    assert r.exit_code == 0 and "4.50 PLN for customer 123456" in r.stdout
