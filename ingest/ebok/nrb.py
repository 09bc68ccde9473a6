"""Polish account numbers (NRB) and the payment QR code banking apps in Poland read.

NRB: 2 check digits + 8-digit bank settlement number (its last digit checks the first seven, weights
3 9 7 1 3 9 7) + 16 digits of the account.  The check digits are those of the IBAN ``PL`` + NRB
(ISO 13616: mod 97 of the digits with ``PL00`` moved to the end, 98 minus the remainder).  Each customer
gets a virtual account: the utility's settlement number, a fixed prefix and the customer number, so a
transfer identifies its payer by the account alone.

The QR code follows the Polish Bank Association's recommendation for two-dimensional payment codes:
``NIP|PL|NRB|amount in grosze (6 digits)|recipient (≤20)|title (≤32)|||`` encoded as a QR code.
"""

from __future__ import annotations

import re
from decimal import Decimal

SORT_WEIGHTS = (3, 9, 7, 1, 3, 9, 7)
PL_DIGITS = "2521"  # P=25, L=21 in the IBAN letter code


class NrbError(ValueError):
    """Not a valid NRB; the message says what is wrong."""


def sort_code_ok(code: str) -> bool:
    return len(code) == 8 and code.isdigit() and \
        (10 - sum(int(d) * w for d, w in zip(code[:7], SORT_WEIGHTS, strict=True)) % 10) % 10 == int(code[7])


def check_digits(bban: str) -> str:
    """The two check digits of ``bban`` (24 digits: settlement number + account)."""
    return f"{98 - int(bban + PL_DIGITS + '00') % 97:02d}"


def normalise(text: str) -> str:
    """Digits only (spaces, dashes and a leading PL are allowed in input)."""
    s = re.sub(r"[\s-]", "", text.upper())
    return s[2:] if s.startswith("PL") else s


def validate(text: str) -> str:
    """The 26-digit NRB, or ``NrbError`` naming the problem."""
    s = normalise(text)
    if not s.isdigit() or len(s) != 26:
        raise NrbError(f"account number {text!r} is not 26 digits")
    if check_digits(s[2:]) != s[:2]:
        raise NrbError(f"account number {text!r} has wrong check digits")
    if not sort_code_ok(s[2:10]):
        raise NrbError(f"account number {text!r} has an invalid bank settlement number {s[2:10]}")
    return s


def virtual_nrb(sort_code: str, prefix: str, customer_id: str) -> str:
    """The customer's virtual NRB: settlement number + prefix + customer number digits, padded to 16."""
    if not sort_code_ok(sort_code):
        raise NrbError(f"bank settlement number {sort_code} is invalid")
    digits = re.sub(r"\D", "", customer_id)
    account = prefix + digits.zfill(16 - len(prefix))
    if len(account) != 16:
        raise NrbError(f"customer number {customer_id} does not fit a 16-digit account with prefix {prefix}")
    bban = sort_code + account
    return check_digits(bban) + bban


def pretty(nrb: str) -> str:
    """``12 3456 7890 …`` as printed on invoices."""
    return nrb[:2] + " " + " ".join(nrb[i:i + 4] for i in range(2, 26, 4))


def qr_payload(nrb: str, amount: Decimal, recipient: str, title: str, nip: str = "") -> str:
    """The ZBP two-dimensional payment code text (fields without the separator character)."""
    grosze = int((amount * 100).quantize(Decimal(1)))
    if not 0 <= grosze <= 999_999:
        grosze = 0  # the format holds at most 9 999,99 zł; the customer types a larger amount
    clean = [s.replace("|", " ") for s in (recipient[:20], title[:32])]
    return f"{nip}|PL|{nrb}|{grosze:06d}|{clean[0]}|{clean[1]}|||"


def qr_svg(payload: str) -> str:
    """The QR code as inline SVG markup (no image files, no CDN)."""
    import io

    import segno

    buf = io.BytesIO()
    segno.make(payload, error="m", micro=False).save(buf, kind="svg", scale=4, xmldecl=False, svgns=True,
                                                       nl=False)
    return buf.getvalue().decode()
