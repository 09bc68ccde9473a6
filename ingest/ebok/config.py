"""Portal settings: the seller printed on invoices, the bank behind the virtual accounts, links in e-mails.

Defaults describe a demo utility; ``amr ebok serve`` takes a TOML file (``--config``) with the same keys.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, fields
from pathlib import Path


@dataclass
class Settings:
    seller_name: str = "Przedsiębiorstwo Wodociągów i Kanalizacji Sp. z o.o."
    seller_short: str = "PWiK"
    seller_address: str = "ul. Wodna 1, 00-001 Miasteczko"
    seller_nip: str = "5250001009"
    bank_sort_code: str = "10201026"  # bank settlement number of the utility's collection account
    account_prefix: str = "1000"
    base_url: str = "http://127.0.0.1:8080"
    mail_from: str = "eBOK <ebok@wodociagi.example>"
    session_hours: int = 8
    login_limit: int = 10  # failed logins per minute per client and per login name
    register_limit: int = 10  # registration attempts per minute per client


def load_settings(path: Path | None) -> Settings:
    if path is None:
        return Settings()
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    known = {f.name for f in fields(Settings)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ValueError(f"{path}: unknown setting(s) {', '.join(unknown)}")
    return Settings(**data)
