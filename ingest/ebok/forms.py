"""Checks of typed-in form fields: lengths, e-mail shape, numbers with a decimal comma."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

LIMITS = {"email": 254, "phone": 40, "password": 200, "invoice_number": 64, "gross": 20, "subject": 200,
          "body": 4000, "login_id": 254, "captcha": 12, "value": 20}
EMAIL = re.compile(r"^[^@\s<>\"']{1,64}@[A-Za-z0-9.-]{1,190}\.[A-Za-z]{2,24}$")


def too_long(values: dict[str, str]) -> str | None:
    """The first field longer than its limit, or None."""
    for name, value in values.items():
        if len(value or "") > LIMITS.get(name, 200):
            return name
    return None


def decimal_pl(text: str) -> Decimal | None:
    """``123,45`` or ``123.45`` (spaces as thousands separators allowed); None when not a number."""
    s = re.sub(r"[\s\u00a0]", "", text or "").replace(",", ".")
    if not re.fullmatch(r"-?\d+(\.\d+)?", s):
        return None
    try:
        return Decimal(s)
    except InvalidOperation:
        return None
