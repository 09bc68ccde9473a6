"""Which (manufacturer, version, device type) a telegram is detected by.

Drivers claim (manufacturer, version, type) triples (`driver_api.Signature`); the CI takes no
part in that match. It matters only for the Diehl group (DME, EWT, HYD, SAP, SPL) sending as a
meter (C field 0x44 SND_NR or 0x46 SND_IR), whose proprietary frames put the address in another
order, so the bytes that hold version and type depend on the first CI:

- CI 0xA0-0xA7 from SAP (Sappel PRIOS): bytes 4-8 are a 5-byte IZAR id, so the frame is always
  detected as version 0x00, type 0x07;
- CI 0xA0-0xA7 from the others, CI 0xB1-0xB3 (PRIOS scrambled), CI 0x71, and CI 0x7A whose
  configuration word has bit 12 set (Diehl "real data", security modes 16-31): the link address
  is version, type, id, so version and type are link-layer bytes 4 and 5;
- every other CI: the ordinary address.

Kept apart from the decoder so that the collector, which parses only the clear header for route
coverage, detects the same way.
"""

from __future__ import annotations

DIEHL_GROUP = frozenset(("DME", "EWT", "HYD", "SAP", "SPL"))
METER_C_FIELDS = frozenset((0x44, 0x46))
_PRIOS = frozenset(range(0xA0, 0xA8))
_VT_FIRST = frozenset((*range(0xB1, 0xB4), 0x71))
REAL_DATA_CFG_BIT = 0x1000
SAP_PRIOS_VERSION_TYPE = (0x00, 0x07)


def is_diehl_meter(c_field: int, manufacturer: str | None) -> bool:
    """A Diehl-group link layer sent by a meter: the frames that the rules above and the Diehl
    default keys apply to."""
    return c_field in METER_C_FIELDS and manufacturer in DIEHL_GROUP


def diehl_version_type(manufacturer: str, ci: int, cfg: int, a_field: bytes) -> tuple[int, int] | None:
    """(version, type) for detection when a Diehl-group meter's first CI re-orders the address,
    else None. `cfg` is the short TPL configuration word (only read for CI 0x7A)."""
    if ci in _PRIOS:
        if manufacturer == "SAP":
            return SAP_PRIOS_VERSION_TYPE
        return a_field[0], a_field[1]
    if ci in _VT_FIRST or (ci == 0x7A and cfg & REAL_DATA_CFG_BIT):
        return a_field[0], a_field[1]
    return None


def is_diehl_proprietary(ci: int, cfg: int) -> bool:
    """The CIs whose payload is Diehl's own (PRIOS, scrambled, real data), where the Diehl OMS
    default key does not apply."""
    return ci == 0x71 or 0xA0 <= ci <= 0xB7 or (ci == 0x7A and bool(cfg & REAL_DATA_CFG_BIT))
