"""Engelmann FAW water meters (EFE version 0x00): mode-5 encrypted 0x73 compact frames.

The meter sends only compact frames, so the driver announces its one layout; it was found by
matching the frame's format signature (0x052D) and its full-frame CRC against DIF/VIF
sequences that fit the decrypted values: reporting date and reading, error flags, 15 monthly
readings (storages 2..16), meter clock, total.
"""

from __future__ import annotations

from ..driver_api import Driver, signatures
from ..model import DriverContext, Telegram
from ._qds import COMMON, INST, error_flags, picker, read, start

_MONTHS = 15


def _storage_header(storage: int) -> bytes:
    """DIF 0x84 (+ storage bit 0 in bit 6), one DIFE with the upper storage bits, VIF 0x13 (litres)."""
    return bytes((0x84 | (storage & 1) << 6, storage >> 1, 0x13))


LAYOUT_052D: tuple[bytes, ...] = (
    b"\x42\x6c", b"\x44\x13", b"\x01\xfd\x17",
    *(_storage_header(s) for s in range(2, 2 + _MONTHS)),
    b"\x04\x6d", b"\x04\x13",
)
_PICKER = picker({**COMMON, ("date", 1, INST): "+reporting_date",
                ("volume", 1, INST): "+consumption_at_reporting_date_m3",
                **{("volume", s, INST): f"+consumption_{s - 1}_months_ago_m3" for s in range(2, 2 + _MONTHS)}})


def decode(t: Telegram, ctx: DriverContext) -> None:
    found = read(t, _PICKER)
    error_flags(t, start(t), found)


DRIVER = Driver(
    name="engelmann_faw",
    signatures=signatures("EFE 00 07"),
    decode=decode,
    fields=("meter_datetime", "reporting_date", "consumption_at_reporting_date_m3", "consumption_N_months_ago_m3",
            "status_flags"),
    description="Engelmann FAW water meter (compact frames)",
    known_formats=(LAYOUT_052D,),
)
