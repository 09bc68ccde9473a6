"""Outgoing e-mail: SMTP to a configured server, or ``.eml`` files in a folder when none is configured.

``--smtp smtp://user:pass@host:port`` (``smtps://`` for implicit TLS, ``?starttls=1`` to upgrade).  The
folder mode lets a small utility try the portal without a mail server and lets staff see what was sent.
"""

from __future__ import annotations

import datetime as dt
import smtplib
import uuid
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit


class Mailer:
    """Send ``EmailMessage``s through SMTP (``smtp_url``) or write them to ``folder``."""

    def __init__(self, sender: str, smtp_url: str | None = None, folder: Path | None = None) -> None:
        if smtp_url is None and folder is None:
            raise ValueError("a mailer needs an SMTP URL or a folder")
        self.sender = sender
        self.smtp_url = smtp_url
        self.folder = folder
        if folder is not None:
            folder.mkdir(parents=True, exist_ok=True)

    def message(self, to: str, subject: str, body: str,
                attachment: tuple[str, bytes, str] | None = None) -> EmailMessage:
        msg = EmailMessage()
        msg["From"] = self.sender
        msg["To"] = to
        msg["Subject"] = subject
        msg["Date"] = format_datetime(dt.datetime.now(dt.UTC))
        msg["Message-ID"] = make_msgid(domain="ebok.local")
        msg.set_content(body)
        if attachment:
            name, data, mime = attachment
            main, sub = mime.split("/")
            msg.add_attachment(data, maintype=main, subtype=sub, filename=name)
        return msg

    def send(self, to: str, subject: str, body: str, attachment: tuple[str, bytes, str] | None = None) -> None:
        msg = self.message(to, subject, body, attachment)
        if self.smtp_url is None:
            assert self.folder is not None
            name = f"{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%S%f}-{uuid.uuid4().hex[:8]}.eml"
            (self.folder / name).write_bytes(bytes(msg))
            return
        u = urlsplit(self.smtp_url)
        opts = parse_qs(u.query)
        port = u.port or (465 if u.scheme == "smtps" else 25)
        cls = smtplib.SMTP_SSL if u.scheme == "smtps" else smtplib.SMTP
        with cls(u.hostname or "localhost", port, timeout=20) as smtp:
            if opts.get("starttls", ["0"])[0] in ("1", "true"):
                smtp.starttls()
            if u.username:
                smtp.login(unquote(u.username), unquote(u.password or ""))
            smtp.send_message(msg)
