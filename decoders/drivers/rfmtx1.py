"""Bmeters RFM-TX1 (BMT v0x05): payload scrambled with security mode 16.

The scrambling algorithm is not in our reference material and cannot be derived from the one
public vector, so the driver refuses the frame with a clear "unsupported" error instead of
printing registers it cannot vouch for. The frame is still recognised, so crews see what it is.
"""

from __future__ import annotations

from ..driver_api import Driver, Signature
from ..errors import DecodeError
from ..model import DriverContext, Telegram


def decode(t: Telegram, ctx: DriverContext) -> None:
    raise DecodeError(
        f"Bmeters RFM-TX1 payload is scrambled (security mode {ctx.security_mode}); the algorithm is not known",
        "rfmtx1 payload", reason="unsupported",
    )


DRIVER = Driver(
    name="rfmtx1",
    signatures=(Signature("BMT", 0x05),),
    decode=decode,
    fields=(),
    description="Bmeters RFM-TX1 (security mode 16 scrambling: recognised, not decodable yet)",
    standard_records=False,
)
