"""Request plumbing shared by the routes: DB session, portal session cookie, CSRF, language, rendering.

Sessions are server-side rows keyed by the SHA-256 of a random cookie token; the cookie is HttpOnly,
SameSite=Lax, and Secure whenever the request came over TLS.  Every session, logged in or not, carries
a CSRF token that each form posts back; a POST without the matching token is refused before any work.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session

from ingest.ebok import security
from ingest.ebok.messages import LANGS, translator
from ingest.ebok.models import AuditEntry, PortalAccount, PortalSession
from ingest.ebok.party import Party, load_party

COOKIE = "ebok_session"
TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
TEMPLATES.env.auto_reload = False  # shipped templates do not change under a running server; skips a stat per render


class CsrfError(Exception):
    """A form came back without this session's CSRF token."""


class LoginRequired(Exception):
    """The page needs a logged-in account."""


@dataclass
class Ctx:
    request: Request
    db: Session
    sess: PortalSession
    new_token: str | None
    account: PortalAccount | None
    party: Party | None
    settings: Any

    @property
    def lang(self) -> str:
        return self.sess.lang

    @property
    def t(self) -> Any:
        return translator(self.lang)

    @property
    def ip(self) -> str:
        return self.request.client.host if self.request.client else "?"

    def audit(self, action: str, detail: str | None = None) -> None:
        self.db.add(AuditEntry(account_id=self.account.id if self.account else None, action=action,
                               detail=(detail or "")[:500] or None, ip=self.ip))

    def check_csrf(self, token: str | None) -> None:
        if not token or not security.same(token, self.sess.csrf):
            raise CsrfError()

    def need_party(self) -> Party:
        if self.party is None:
            raise LoginRequired()
        return self.party

    def start_session(self, account: PortalAccount | None) -> None:
        """A fresh session (new token, new CSRF) — on login and logout, against session fixation."""
        lang = self.sess.lang
        self.db.delete(self.sess)
        self._create(account.id if account else None, lang)
        self.account = account
        self.party = load_party(self.db, account) if account else None

    def _create(self, account_id: int | None, lang: str) -> None:
        token = security.new_token()
        hours = self.settings.session_hours
        self.sess = PortalSession(token_hash=security.digest(token), account_id=account_id,
                                  csrf=security.new_token(), lang=lang,
                                  expires_at=dt.datetime.now(dt.UTC) + dt.timedelta(hours=hours))
        self.db.add(self.sess)
        self.new_token = token

    def finish(self, response: Response) -> Response:
        # commit before the response leaves: the browser's next request (the picture code, a redirect)
        # must find this session and whatever the route changed.  Closing hands the connection back to
        # the pool now, not when FastAPI runs the dependency's exit after sending (under load those exits
        # queue behind new requests that wait for connections: a pool deadlock)
        self.db.commit()
        self.db.close()
        if self.new_token:
            response.set_cookie(COOKIE, self.new_token, httponly=True, samesite="lax",
                                secure=self.request.url.scheme == "https", path="/")
        return response

    def page(self, name: str, status_code: int = 200, **values: Any) -> Response:
        values.update(t=self.t, csrf=self.sess.csrf, party=self.party, lang=self.lang, langs=LANGS,
                      settings=self.settings, path=self.request.url.path)
        response = TEMPLATES.TemplateResponse(self.request, name, values, status_code=status_code)
        return self.finish(response)

    def redirect(self, url: str) -> Response:
        return self.finish(RedirectResponse(url, status_code=303))


def render(request: Request, name: str, values: dict[str, Any], status_code: int = 200) -> Response:
    """A page straight from Jinja2, for routes that read without a ``Ctx`` (``lean``); no cookie is set."""
    lang = values["lang"]
    values.update(t=translator(lang), langs=LANGS, settings=request.app.state.settings, path=request.url.path,
                  request=request)
    return HTMLResponse(TEMPLATES.env.get_template(name).render(values), status_code=status_code)


def _utc(value: dt.datetime) -> dt.datetime:
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value


def open_ctx(request: Request) -> Iterator[Ctx]:
    """The per-request context; commits when the route returns normally, rolls back on errors."""
    app = request.app
    db: Session = app.state.sessions()
    try:
        token = request.cookies.get(COOKIE)
        sess = db.get(PortalSession, security.digest(token)) if token else None
        if sess is not None and _utc(sess.expires_at) < dt.datetime.now(dt.UTC):
            db.delete(sess)
            sess = None
        account = db.get(PortalAccount, sess.account_id) if sess is not None and sess.account_id else None
        if account is not None and account.status != "active":
            account = None
        ctx = Ctx(request, db, sess, None, account, None, app.state.settings)  # type: ignore[arg-type]
        if sess is None:
            ctx._create(None, "pl")
        ctx.party = load_party(db, account) if account else None
        # give the connection back while the request waits for a thread to run the route: holding it
        # across that wait lets queued requests exhaust the pool under load
        db.commit()
        yield ctx
        db.commit()
    except BaseException:
        db.rollback()
        raise
    finally:
        db.close()


def error_page(request: Request, status: int, key: str) -> Response:
    """A plain error page for exceptions raised outside a route's own rendering (404, CSRF, login)."""
    lang = "pl"
    t = translator(lang)
    body = (f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><title>{t("app_title")}</title>'
            f'<link rel="stylesheet" href="/static/ebok.css"></head><body><main class="box"><h1>{status}</h1>'
            f'<p class="error">{t(key)}</p><p><a href="/">eBOK</a></p></main></body></html>')
    return HTMLResponse(body, status_code=status)


def not_found() -> HTTPException:
    return HTTPException(404)
