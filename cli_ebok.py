"""``amr ebok``: serve the customers' portal and the staff commands behind it (tickets, managers, notes).

Also ``amr import payments FILE`` (bank statements, MT940 or CSV), registered on the import sub-app.
Heavy imports (SQLAlchemy, FastAPI, uvicorn) happen inside the commands so ``amr --help`` stays fast.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(help="eBOK customer portal: serve it, and staff commands for tickets, managers and notes.",
                  no_args_is_help=True)
tickets_app = typer.Typer(help="Customers' correspondence (failure reports, complaints, data changes).",
                          no_args_is_help=True)
managers_app = typer.Typer(help="Property managers' accounts.", no_args_is_help=True)
notes_app = typer.Typer(help="Notes (noty), e.g. interest notes.", no_args_is_help=True)
app.add_typer(tickets_app, name="tickets")
app.add_typer(managers_app, name="managers")
app.add_typer(notes_app, name="notes")

DbOpt = Annotated[str, typer.Option("--db", help="Database URL (sqlite:///file.db or postgresql+psycopg://…).")]
ConfigOpt = Annotated[Path | None, typer.Option("--config", help="Portal settings (TOML): seller, bank, base URL.")]


def _fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code=2)


def _settings(config: Path | None):  # type: ignore[no-untyped-def]
    from ingest.ebok.config import load_settings

    try:
        return load_settings(config)
    except (OSError, ValueError, TypeError) as exc:
        raise _fail(f"settings: {exc}") from None


def _session(db: str):  # type: ignore[no-untyped-def]
    """A session on ``--db``, opened as every database command opens it (``cli_db.engine_for``): a bad
    URL or a missing SQLite file is one line, and no empty file is left behind."""
    from sqlalchemy.orm import Session

    import ingest.models  # noqa: F401
    from cli_db import engine_for

    return Session(engine_for(db))


@app.command()
def serve(
    db: DbOpt,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8080,
    smtp: Annotated[str | None, typer.Option("--smtp", help="SMTP URL, smtp://[user:pass@]host:port "
                                             "(smtps:// for TLS; ?starttls=1).")] = None,
    mail_dir: Annotated[Path, typer.Option("--mail-dir", help="Without --smtp: folder for .eml files.")]
    = Path("ebok-mail"),
    base_url: Annotated[str | None, typer.Option(help="Public URL used in e-mailed links.")] = None,
    config: ConfigOpt = None,
    access_log: Annotated[bool, typer.Option(help="Log every request (URLs carry one-time tokens).")] = False,
    workers: Annotated[int, typer.Option(min=1, max=64, help="Server processes (sessions, picture codes and the "
                                         "login throttle live in the database, so all of them share it).")] = 1,
    keep_alive: Annotated[int, typer.Option("--keep-alive", min=1, help="Seconds an idle HTTP connection stays "
                                            "open (behind a reverse proxy: longer than the proxy's).")] = 5,
) -> None:
    """Serve the portal (server-rendered pages; every form works without JavaScript)."""
    import uvicorn

    from cli_db import resolve_url
    from ingest.ebok.app import create_app
    from ingest.ebok.mail import Mailer

    db = resolve_url(db)  # a bare path is an SQLite file, as for every other command
    settings = _settings(config)
    if base_url or config is None:
        settings.base_url = base_url or f"http://{host}:{port}"
    with _session(db) as s:
        from sqlalchemy import inspect
        from sqlalchemy.exc import SQLAlchemyError

        try:
            found = inspect(s.get_bind())
            # the portal's first table, and the newest ones it needs (revision 0002)
            missing = [t for t in ("portal_accounts", "portal_throttle", "settlement_changes")
                       if not found.has_table(t)]
        except SQLAlchemyError as exc:
            raise _fail(f"database {db.split('@')[-1]}: {str(exc).splitlines()[0]}") from None
        if missing:
            what = "no portal tables" if "portal_accounts" in missing else f"no table {', '.join(missing)}"
            raise _fail(f"database {db}: {what}; run `amr db upgrade --db {db}` first")
    if smtp is None:
        typer.echo(f"e-mail: no --smtp given; messages are written as .eml files to {mail_dir.resolve()}")
    typer.echo(f"eBOK on http://{host}:{port}/ (database {db.split('@')[-1]}, {workers} "
               f"process{'es' if workers > 1 else ''})")
    options = {"host": host, "port": port, "log_level": "warning", "access_log": access_log,
               "timeout_keep_alive": keep_alive}
    if workers == 1:
        uvicorn.run(create_app(db, Mailer(settings.mail_from, smtp, None if smtp else mail_dir), settings), **options)
        return
    import os

    from ingest.ebok.app import ENV

    for name, value in (("db", db), ("smtp", smtp), ("mail_dir", str(mail_dir)),
                        ("config", str(config) if config else None), ("base_url", settings.base_url)):
        if value is None:
            os.environ.pop(ENV[name], None)
        else:
            os.environ[ENV[name]] = value
    uvicorn.run("ingest.ebok.app:from_environment", factory=True, workers=workers, **options)


@tickets_app.command("list")
def tickets_list(db: DbOpt, status: Annotated[str, typer.Option(help="open, closed or all.")] = "open") -> None:
    """Tickets filed in the portal, oldest first."""
    from sqlalchemy import select

    from ingest.ebok.models import Ticket

    if status not in ("open", "closed", "all"):
        raise _fail(f"--status {status!r}: use open, closed or all")
    with _session(db) as s:
        q = select(Ticket).order_by(Ticket.id)
        if status != "all":
            q = q.where(Ticket.status == status)
        rows = s.scalars(q).all()
        typer.echo("number\tkind\tcustomer_id\tpremises_id\tstatus\tcreated_at\tsubject")
        for t in rows:
            subject = " ".join(t.subject.split())
            typer.echo(f"{t.number}\t{t.kind}\t{t.customer_id}\t{t.premises_id or ''}\t{t.status}\t"
                       f"{t.created_at:%Y-%m-%d %H:%M}\t{subject}")


@tickets_app.command("close")
def tickets_close(number: Annotated[str, typer.Argument(help="Ticket number, e.g. AW/2026/000001.")], db: DbOpt,
                  resolution: Annotated[str, typer.Option(help="What was done (shown to the customer).")] = "") -> None:
    """Close a ticket."""
    from sqlalchemy import select

    from ingest.ebok.models import AuditEntry, Ticket

    with _session(db) as s:
        t = s.scalars(select(Ticket).where(Ticket.number == number)).first()
        if t is None:
            raise _fail(f"ticket {number} does not exist")
        if t.status == "closed":
            raise _fail(f"ticket {number} is already closed")
        t.status, t.closed_at, t.resolution = "closed", dt.datetime.now(dt.UTC), resolution or None
        s.add(AuditEntry(action="ticket_closed", detail=f"number={number} (staff)"))
        s.commit()
    typer.echo(f"closed {number}")


@managers_app.command("add")
def managers_add(
    db: DbOpt,
    company: Annotated[str, typer.Option(help="The manager's company name.")],
    email: Annotated[str, typer.Option(help="Login e-mail; the activation link is sent there.")],
    premises: Annotated[list[str], typer.Option("--premises", help="Premises id the manager runs (repeat).")],
    smtp: Annotated[str | None, typer.Option("--smtp", help="SMTP URL for the activation e-mail.")] = None,
    mail_dir: Annotated[Path, typer.Option("--mail-dir", help="Without --smtp: folder for .eml files.")]
    = Path("ebok-mail"),
    config: ConfigOpt = None,
) -> None:
    """Create a property manager's account (after their request by e-mail); they set the password by link."""
    from sqlalchemy import func, select

    from ingest.ebok import forms, security
    from ingest.ebok.mail import Mailer
    from ingest.ebok.models import AuditEntry, Manager, ManagerPremises, PortalAccount
    from ingest.ebok.routes_account import _issue_token
    from ingest.models.master import Premises

    settings = _settings(config)
    if not forms.EMAIL.match(email) or len(company) > 200 or not company.strip():
        raise _fail("--email must be an e-mail address and --company a name of at most 200 characters")
    with _session(db) as s:
        known = set(s.scalars(select(Premises.premises_id).where(Premises.premises_id.in_(premises))).all())
        unknown = [p for p in premises if p not in known]
        if unknown:
            raise _fail(f"premises {', '.join(unknown)} do not exist")
        if s.scalars(select(PortalAccount).where(func.lower(PortalAccount.email) == email.lower())).first():
            raise _fail(f"an account with e-mail {email} already exists")
        m = Manager(company=company.strip(), email=email)
        s.add(m)
        s.flush()
        for p in dict.fromkeys(premises):
            s.add(ManagerPremises(manager_id=m.id, premises_id=p))
        acc = PortalAccount(manager_id=m.id, email=email, password_hash=security.hash_password(security.new_token()),
                            status="active")
        token = _issue_token(acc, "reset")
        acc.token_expires = dt.datetime.now(dt.UTC) + dt.timedelta(days=7)
        s.add(acc)
        s.add(AuditEntry(action="manager_added", detail=f"manager={m.id} premises={len(premises)} (staff)"))
        s.flush()
        Mailer(settings.mail_from, smtp, None if smtp else mail_dir).send(
            email, "eBOK: konto zarządcy / manager account",
            f"Konto eBOK dla {company} zostało założone. Ustaw hasło (link ważny 7 dni):\n"
            f"{settings.base_url}/reset/{token}\n")
        s.commit()
        typer.echo(f"manager {m.id} ({company}) with {len(set(premises))} premises; password link sent to {email}")


@notes_app.command("add")
def notes_add(
    db: DbOpt,
    customer: Annotated[str, typer.Option(help="Customer id.")],
    amount: Annotated[str, typer.Option(help="Amount in PLN, e.g. 12.34.")],
    description: Annotated[str, typer.Option(help="What the note charges.")],
    kind: Annotated[str, typer.Option(help="interest or other.")] = "interest",
    due_days: Annotated[int, typer.Option(help="Days to pay.")] = 14,
) -> None:
    """Issue a note (nota), e.g. interest on a late payment."""
    from decimal import Decimal, InvalidOperation

    from sqlalchemy import func, select

    from ingest.ebok.models import Note
    from ingest.models.master import Customer

    try:
        value = Decimal(amount.replace(",", ".")).quantize(Decimal("0.01"))
    except InvalidOperation:
        raise _fail(f"--amount {amount!r} is not a number") from None
    with _session(db) as s:
        if s.get(Customer, customer) is None:
            raise _fail(f"customer {customer} does not exist")
        today = dt.date.today()
        seq = (s.scalar(select(func.count()).select_from(Note)) or 0) + 1
        number = f"NO/{today:%Y}/{seq:06d}"
        s.add(Note(number=number, customer_id=customer, kind=kind, issue_date=today,
                   due_date=today + dt.timedelta(days=due_days), amount=value, description=description[:300]))
        s.commit()
    typer.echo(f"note {number}: {value} PLN for customer {customer}")


@app.command("send-invoices")
def send_invoices(
    db: DbOpt,
    period: Annotated[str, typer.Option("--period", help="Closing month of the issued run, YYYY-MM.")],
    smtp: Annotated[str | None, typer.Option("--smtp", help="SMTP URL.")] = None,
    mail_dir: Annotated[Path, typer.Option("--mail-dir", help="Without --smtp: folder for .eml files.")]
    = Path("ebok-mail"),
    config: ConfigOpt = None,
) -> None:
    """E-mail the issued invoices billed as e-invoices (a switch counts from its effective period) as PDFs."""
    from sqlalchemy import func, select

    from ingest.ebok.mail import Mailer
    from ingest.ebok.models import PortalAccount
    from ingest.ebok.routes_money import render_pdf
    from ingest.models.billing import Invoice
    from ingest.models.master import Contract, Customer

    settings = _settings(config)
    mailer = Mailer(settings.mail_from, smtp, None if smtp else mail_dir)
    sent = skipped = 0
    with _session(db) as s:
        # the settlement the invoice was billed with: a contract switched to e-invoice during a period is
        # still billed (and sent) on paper for it; invoices of runs older than that column follow the contract
        q = (select(Invoice).join(Contract, Contract.contract_id == Invoice.contract_id)
             .where(Invoice.period == period, Invoice.status == "issued",
                    func.coalesce(Invoice.settlement, Contract.settlement) == "e-invoice"))
        for inv in s.scalars(q).all():
            acc = s.scalars(select(PortalAccount).where(PortalAccount.customer_id == inv.customer_id)).first()
            cust = s.get(Customer, inv.customer_id)
            to = acc.email if acc else (cust.email if cust else None)
            if not to:
                skipped += 1
                continue
            pdf = render_pdf(s, settings, inv)
            mailer.send(to, f"eFAKTURA {inv.number}", f"W załączniku faktura {inv.number} na kwotę {inv.gross} zł, "
                        f"termin płatności {inv.due_date}.\n", ("faktura-" + inv.number.replace("/", "-") + ".pdf",
                                                                pdf, "application/pdf"))
            sent += 1
        s.commit()
    typer.echo(f"{sent} e-invoices sent, {skipped} without an e-mail address")


def register_import(import_app: typer.Typer) -> None:
    """Add ``payments`` to ``amr import``."""

    @import_app.command("payments")
    def payments(
        file: Annotated[Path, typer.Argument(help="Bank statement: MT940 (.sta/.mt940/.txt) or CSV "
                                                  "(booked_on,amount,account,title,reference).")],
        db: DbOpt,
        config: ConfigOpt = None,
    ) -> None:
        """Book a bank statement; payments match customers by their virtual account number."""
        from ingest.ebok.payments import StatementError, book

        settings = _settings(config)
        if not file.is_file():
            raise _fail(f"{file}: no such file")
        with _session(db) as s:
            try:
                report = book(s, file, settings.bank_sort_code, settings.account_prefix)
            except StatementError as exc:
                s.rollback()
                raise _fail(str(exc)) from None
            s.commit()
        for line in report.unmatched:
            typer.echo(f"unmatched: {line}")
        typer.echo(f"{report.booked} payments booked ({report.total} PLN), {report.already} already booked, "
                   f"{len(report.unmatched)} unmatched")
