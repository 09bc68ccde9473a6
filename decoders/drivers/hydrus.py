"""Diehl Hydrus ultrasonic water meters (DME version 0x70; HYD "real data" frames).

- The due-date reading sits at the storage that carries a type F date-time (3 in the vectors),
  not at storage 1, which holds an older set-date reading (`at_date`, `total_at_date_m3`).
- "Real data" frames (TPL security modes 16-31) are plain EN 13757-3 records in the vectors,
  sent from a module whose link address is in Diehl order (version, type, id). The core does not
  parse records for modes >= 16, so this driver parses for every mode, learning each clean layout
  in a core `LayoutCache` so that a repeated layout decodes only the values it needs.
- Mode 5 frames need the meter's AES key like any OMS meter; without a configured key the core
  tries the Diehl group's public default key (accepted only if the plaintext starts 2F 2F).
"""

from __future__ import annotations

from ..driver_api import Driver, signatures
from ..errors import DecodeError
from ..layout import LayoutCache
from ..model import DriverContext, Telegram
from ..summary import fill_water_summary
from ._dhl import Record, first, parse_tolerant, plain, swap_diehl_address
from ._dhl_diehl import FIELDS, diehl_plans, diehl_records, diehl_spec

_SHORT_OR_NO_TPL = frozenset((0x7A, 0x7B, 0x78, 0x79))
_SPEC = diehl_spec("at_date", "at_date")


def _is_total(r: Record) -> bool:
    """The plain storage-0 volume whose presence tells real-data records from scrambled bytes."""
    return r.quantity == "volume" and r.storage == 0 and r.function == "instantaneous" and plain(r)


_PLANS = diehl_plans(_SPEC, _is_total)
_LAYOUTS = LayoutCache()  # the core's layout plans, for payloads the core does not parse here


def decode(t: Telegram, ctx: DriverContext) -> None:
    where = "hydrus payload"
    mode = ctx.security_mode or 0
    payload = ctx.payload
    plan = _LAYOUTS.match(payload) if t.payload is payload else None
    if plan is not None:
        t._plan = plan
        records = _PLANS.select(t, payload, where)
    else:
        every, spans, damaged = parse_tolerant(payload, where)
        records = _PLANS.select(t, payload, where, every)
    if mode >= 16:
        if first(records, "volume") is None:
            raise DecodeError(
                f"security mode {mode} payload is not plain records (scrambled real data is not supported)",
                where, reason="unsupported",
            )
        if t.ci in _SHORT_OR_NO_TPL and t.manufacturer in ("DME", "HYD"):
            swap_diehl_address(t, ctx.a_field)
    if plan is not None:
        plan.apply_summary(t, payload)
    else:
        picks = fill_water_summary(t, every)
        if not damaged and t.payload is payload:
            t.records = every
            t._plan = _LAYOUTS.learn(payload, every, spans, picks)
    diehl_records(t, records)


DRIVER = Driver(
    name="hydrus",
    signatures=signatures("DME 70 07", "DME 76 07", "HYD 24 07", "HYD 8B 07", "HYD 8B 06", "DME 70 06", "DME 70 16"),
    decode=decode,
    fields=("at_date", "total_at_date_m3", "total_tariffN_at_date_m3", *FIELDS),
    description="Diehl Hydrus water meters, incl. HYD real-data frames (modes 16-31, plain records)",
    standard_records=False,
)
