"""Parse the broker URL of contract 3: ``mqtt[s]://user:pass@host:port`` (``?ca=FILE`` for a private CA).

Why here and not in the CLI: the van service and the tests both need the same reading of the URL,
and a bad URL must give one clear line before any network work starts.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from urllib.parse import parse_qs, unquote, urlsplit


class BrokerUrlError(ValueError):
    """The broker URL is malformed (the message says what is wrong)."""


@dataclass(frozen=True, slots=True)
class BrokerUrl:
    host: str
    port: int
    username: str | None
    password: str | None
    tls: bool
    ca_file: str | None = None

    def tls_context(self) -> ssl.SSLContext | None:
        """A verifying TLS context for ``mqtts``: system CAs, or the ``ca`` file when given."""
        if not self.tls:
            return None
        return ssl.create_default_context(cafile=self.ca_file)

    def redacted(self) -> str:
        """The URL without the password, safe for logs and error lines."""
        user = f"{self.username}:***@" if self.username else ""
        return f"{'mqtts' if self.tls else 'mqtt'}://{user}{self.host}:{self.port}"


def parse_broker_url(url: str) -> BrokerUrl:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise BrokerUrlError(f"broker URL {url!r}: {exc}") from exc
    if parts.scheme not in ("mqtt", "mqtts"):
        raise BrokerUrlError(f"broker URL must start with mqtt:// or mqtts://, got {parts.scheme or 'no scheme'!r}")
    if not parts.hostname:
        raise BrokerUrlError("broker URL has no host (expected mqtt[s]://user:pass@host:port)")
    tls = parts.scheme == "mqtts"
    query = parse_qs(parts.query)
    ca = query.get("ca", [None])[0]
    return BrokerUrl(host=parts.hostname, port=port or (8883 if tls else 1883),
                     username=unquote(parts.username) if parts.username else None,
                     password=unquote(parts.password) if parts.password is not None else None,
                     tls=tls, ca_file=ca)
