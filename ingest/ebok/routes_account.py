"""Registration, activation, login, logout, password reset, picture code and language switch.

Answers never tell whether an e-mail, a customer or an invoice exists: registration with a taken
e-mail or an already registered customer looks like success to the browser (the owner of the address
gets a notice instead), and a refused proof of contract does not say which of the two fields was wrong.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Form
from fastapi.responses import FileResponse, Response
from sqlalchemy import func, or_, select

from ingest.ebok import captcha, forms, security
from ingest.ebok.messages import LANGS
from ingest.ebok.models import PortalAccount
from ingest.ebok.web import Ctx, open_ctx
from ingest.models.billing import Invoice
from ingest.models.master import Contract

router = APIRouter()
C = Annotated[Ctx, Depends(open_ctx)]
TOKEN_HOURS = {"activate": 48, "reset": 1}


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _client(c: Ctx) -> str:
    return f"ip:{c.ip}"


@router.get("/")
def home(c: C) -> Response:
    return c.redirect("/dashboard" if c.party else "/login")


@router.get("/lang/{code}")
def lang(c: C, code: str, next: str = "/") -> Response:
    if code in LANGS:
        c.sess.lang = code
    return c.redirect(next if next.startswith("/") and not next.startswith("//") else "/")


@router.get("/terms.pdf")
def terms() -> Response:
    from ingest.ebok.app import STATIC

    return FileResponse(STATIC / "regulamin-ebok.pdf", media_type="application/pdf")


@router.get("/captcha.svg")
def captcha_svg(c: C) -> Response:
    code = captcha.new_code()
    c.sess.captcha = code
    return c.finish(Response(captcha.render(code), media_type="image/svg+xml",
                             headers={"Cache-Control": "no-store"}))


@router.get("/login")
def login_form(c: C) -> Response:
    if c.party:
        return c.redirect("/dashboard")
    return c.page("login.html", message=None)


@router.post("/login")
def login(c: C, login_id: Annotated[str, Form()] = "", password: Annotated[str, Form()] = "",
          csrf: Annotated[str, Form()] = "") -> Response:
    c.check_csrf(csrf)
    throttle = c.request.app.state.login_throttle
    name = login_id.strip().lower()[:254]
    keys = (_client(c), f"login:{name}")
    if throttle.blocked(*keys):
        c.audit("login_throttled", f"login={name}")
        return c.page("login.html", status_code=429, message=c.t("throttled"), error=True)
    account = c.db.scalars(select(PortalAccount).where(or_(func.lower(PortalAccount.email) == name,
                                                           PortalAccount.customer_id == login_id.strip()))).first()
    ok = security.verify_password(account.password_hash if account else None, password[:200])
    if not ok or account is None or account.status != "active":
        throttle.hit(*keys)
        c.audit("login_failed", f"login={name}")
        return c.page("login.html", status_code=401, message=c.t("login_failed"), error=True)
    c.start_session(account)
    c.audit("login", f"account={account.id}")
    return c.redirect("/dashboard")


@router.post("/logout")
def logout(c: C, csrf: Annotated[str, Form()] = "") -> Response:
    c.check_csrf(csrf)
    if c.account:
        c.audit("logout")
    c.start_session(None)
    return c.redirect("/login")


@router.get("/register")
def register_form(c: C) -> Response:
    return c.page("register.html", message=None, values={})


def _issue_token(account: PortalAccount, kind: str) -> str:
    token = security.new_token()
    account.token_hash = security.digest(token)
    account.token_kind = kind
    account.token_expires = _now() + dt.timedelta(hours=TOKEN_HOURS[kind])
    return token


@router.post("/register")
def register(c: C, invoice_number: Annotated[str, Form()] = "", gross: Annotated[str, Form()] = "",
             email: Annotated[str, Form()] = "", password: Annotated[str, Form()] = "",
             password2: Annotated[str, Form()] = "", phone: Annotated[str, Form()] = "",
             terms: Annotated[str, Form()] = "", captcha_code: Annotated[str, Form(alias="captcha")] = "",
             csrf: Annotated[str, Form()] = "") -> Response:
    c.check_csrf(csrf)
    values = {"invoice_number": invoice_number, "gross": gross, "email": email, "phone": phone}

    def again(key: str, status: int = 400, extra: str = "") -> Response:
        return c.page("register.html", status_code=status, message=c.t(key) + extra, error=True, values=values)

    throttle = c.request.app.state.register_throttle
    if throttle.blocked(_client(c)):
        return again("throttled", 429)
    throttle.hit(_client(c))
    expected, c.sess.captcha = c.sess.captcha, None  # a picture code is good for one try
    if not expected or not security.same(captcha_code.strip(), expected):
        return again("captcha_wrong")
    long = forms.too_long({"invoice_number": invoice_number, "gross": gross, "email": email, "phone": phone,
                           "password": password})
    if long:
        return again("field_too_long", extra=f": {long}")
    if terms != "yes":
        return again("terms_required")
    email = email.strip()
    if not forms.EMAIL.match(email):
        return again("email_invalid")
    if len(password) < 10 or password != password2:
        return again("password_weak")
    amount = forms.decimal_pl(gross)
    inv = c.db.scalars(select(Invoice).where(Invoice.number == invoice_number.strip(),
                                             Invoice.status == "issued")).first()
    has_contract = inv is not None and c.db.scalar(
        select(func.count()).select_from(Contract).where(Contract.customer_id == inv.customer_id)) > 0
    if inv is None or amount is None or amount != inv.gross or not has_contract:
        c.audit("register_refused", f"invoice={invoice_number.strip()[:64]}")
        return again("register_refused")
    mailer = c.request.app.state.mailer
    taken = c.db.scalars(select(PortalAccount).where(or_(func.lower(PortalAccount.email) == email.lower(),
                                                         PortalAccount.customer_id == inv.customer_id))).first()
    if taken is not None:
        # the same answer as success; the existing owner hears about the attempt
        mailer.send(taken.email, "eBOK: próba rejestracji / registration attempt",
                    "Ktoś próbował założyć konto eBOK z Twoimi danymi. Jeśli to Ty, zaloguj się lub zresetuj "
                    "hasło.\n\nSomeone tried to register an eBOK account with your details.")
        c.audit("register_duplicate", f"customer={inv.customer_id}")
        return c.page("message.html", message=c.t("register_sent"))
    account = PortalAccount(customer_id=inv.customer_id, email=email, phone=phone.strip() or None,
                            password_hash=security.hash_password(password), status="pending", lang=c.lang)
    token = _issue_token(account, "activate")
    c.db.add(account)
    c.db.flush()
    c.audit("register", f"account={account.id} customer={inv.customer_id}")
    link = f"{c.settings.base_url}/activate/{token}"
    mailer.send(email, "eBOK: aktywacja konta / account activation",
                f"Numer użytkownika / user number: {inv.customer_id}\n\nAby aktywować konto, otwórz link:\n"
                f"To activate the account, open:\n{link}\n\nLink jest ważny 48 godzin.")
    return c.page("message.html", message=c.t("register_sent"))


def _by_token(c: Ctx, token: str, kind: str) -> PortalAccount | None:
    acc = c.db.scalars(select(PortalAccount).where(PortalAccount.token_hash == security.digest(token[:100]),
                                                   PortalAccount.token_kind == kind)).first()
    if acc is None or acc.token_expires is None:
        return None
    exp = acc.token_expires if acc.token_expires.tzinfo else acc.token_expires.replace(tzinfo=dt.UTC)
    return acc if exp > _now() else None


@router.get("/activate/{token}")
def activate(c: C, token: str) -> Response:
    acc = _by_token(c, token, "activate")
    if acc is None:
        return c.page("message.html", status_code=400, message=c.t("link_invalid"), error=True)
    acc.status = "active"
    acc.activated_at = _now()
    acc.token_hash = acc.token_kind = acc.token_expires = None
    c.db.add(acc)
    c.audit("activate", f"account={acc.id}")
    c.request.app.state.mailer.send(acc.email, "eBOK: konto aktywne / account active",
                                    f"Twoje konto eBOK jest aktywne. Numer użytkownika: {acc.customer_id or acc.email}"
                                    "\n\nYour eBOK account is active.")
    return c.page("message.html", message=c.t("activated"), login_link=True)


@router.get("/reset")
def reset_form(c: C) -> Response:
    return c.page("reset.html", message=None)


@router.post("/reset")
def reset_request(c: C, email: Annotated[str, Form()] = "", csrf: Annotated[str, Form()] = "") -> Response:
    c.check_csrf(csrf)
    throttle = c.request.app.state.register_throttle
    if throttle.blocked(_client(c)):
        return c.page("reset.html", status_code=429, message=c.t("throttled"), error=True)
    throttle.hit(_client(c))
    acc = c.db.scalars(select(PortalAccount).where(func.lower(PortalAccount.email) == email.strip().lower()[:254],
                                                   PortalAccount.status == "active")).first()
    if acc is not None:
        token = _issue_token(acc, "reset")
        c.audit("reset_requested", f"account={acc.id}")
        c.request.app.state.mailer.send(acc.email, "eBOK: zmiana hasła / password reset",
                                        f"Link do ustawienia nowego hasła (ważny 1 godzinę):\n"
                                        f"{c.settings.base_url}/reset/{token}\n")
    return c.page("message.html", message=c.t("reset_sent"))


@router.get("/reset/{token}")
def reset_password_form(c: C, token: str) -> Response:
    if _by_token(c, token, "reset") is None:
        return c.page("message.html", status_code=400, message=c.t("link_invalid"), error=True)
    return c.page("reset_password.html", token=token, message=None)


@router.post("/reset/{token}")
def reset_password(c: C, token: str, password: Annotated[str, Form()] = "",
                   password2: Annotated[str, Form()] = "", csrf: Annotated[str, Form()] = "") -> Response:
    c.check_csrf(csrf)
    acc = _by_token(c, token, "reset")
    if acc is None:
        return c.page("message.html", status_code=400, message=c.t("link_invalid"), error=True)
    if len(password) < 10 or password != password2 or len(password) > 200:
        return c.page("reset_password.html", status_code=400, token=token, message=c.t("password_weak"), error=True)
    acc.password_hash = security.hash_password(password)
    acc.token_hash = acc.token_kind = acc.token_expires = None
    c.audit("password_reset", f"account={acc.id}")
    return c.page("message.html", message=c.t("reset_done"), login_link=True)


