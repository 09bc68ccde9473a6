"""Kamstrup MULTICAL 21 / flowIQ water meters (KAM, KAW): ELL-II (AES-CTR, done by the core),
then a 0x78 full frame or a 0x79 compact frame.

Compact frames name their layout only by a format signature: the CRC-16/EN-13757 of the DIF/VIF
bytes of the matching full frame. A layout is taken, in order, from the meter's last full frame
(remembered here, bounded) or from `KNOWN_FORMATS`, the two formats Kamstrup meters send before
any full frame was heard; their signatures (0xC412, 0x36D4) are computed from the formats by
that rule, not listed. This driver parses records itself (`standard_records=False`) because the
core rejects a compact frame of unknown signature before any driver runs.

Info codes: the 16-bit form (02 FF 20) has the current flags DRY, REVERSE, LEAK, BURST in bits
0-3 and four 3-bit "how long" bands (dry, reversed, leaking, bursting) in bits 4-15, published
as `info_durations`; the bands do not raise alarms. The 32-bit form (04 FF 23) has flags only:
DRY, REVERSE, LEAK, BURST, TAMPER, LOW_BATTERY, LOW_AMBIENT_TEMPERATURE, FLOW_ABOVE_Q4 and
NO_CONSUMPTION; other set bits are shown as INFO_BIT_n.
"""

from __future__ import annotations

from typing import Any

from ..compact import CompactFormats, header_bytes, signature_of
from ..driver_api import Driver, signatures
from ..errors import DecodeError
from ..layout import LayoutCache
from ..model import DriverContext, Telegram
from ..records import DataRecord, parse_records
from ..summary import pick_summary
from ._qds import INST, Found, num, picker, sts_texts, text

_INFO_BITS = (
    (0x001, "DRY", "DRY"),
    (0x002, "REVERSE", "BACKFLOW"),
    (0x004, "LEAK", "LEAK"),
    (0x008, "BURST", "BURST"),
    (0x010, "TAMPER", "TAMPER"),
    (0x020, "LOW_BATTERY", "LOW_BATTERY"),
    # No normalised name fits these two: they are shown to the crew as flags only.
    (0x040, "LOW_AMBIENT_TEMPERATURE", None),
    (0x080, "FLOW_ABOVE_Q4", None),
    (0x200, "NO_CONSUMPTION", "NO_CONSUMPTION"),
)
_INFO_KNOWN = 0x2FF
_INFO_VIFS = (b"\xff\x23", b"\xff\x20")

_INFO16_FLAGS = _INFO_BITS[:4]
_INFO16_BANDS = (("dry", 4), ("reversed", 7), ("leaking", 10), ("bursting", 13))
DURATIONS = ("", "1-8 hours", "9-24 hours", "2-3 days", "4-7 days", "8-14 days", "15-21 days", "22-31 days")


def _format(text: str) -> tuple[bytes, ...]:
    return tuple(bytes.fromhex(h) for h in text.split())


# The compact formats Kamstrup water meters send (DIF/VIF bytes of the full frame they stand for).
KNOWN_FORMATS = (
    # info codes, total, max flow (storage 2), min flow temperature (storage 2), external temperature
    _format("02FF20 0413 92013B A1015B 8101E7FF0F"),
    # info codes, total, due-date volume and date (storage 1), max flow, min flow temperature,
    # min and max external temperature (storage 1), external temperature, a 6-byte manufacturer value
    _format("02FF20 0413 4413 426C 523B 615B 6167 5167 8101E7FF0F 06FF1B"),
)
_KNOWN: dict[int, tuple[bytes, ...]] = {signature_of(h): h for h in KNOWN_FORMATS}
_SUMMARY = frozenset(("total_m3", "target_m3", "target_date"))


def _custom(r: DataRecord) -> str | None:
    if r.vif in _INFO_VIFS and not r.storage:
        return "info"
    return None


_PICKER = picker(
    {("volume", 0, INST): "total", ("volume", 1, INST): "target", ("date", 1, INST): "target_date",
     ("volume_flow", 0, INST): "flow", ("volume_flow", 2, "maximum"): "+max_flow_m3h",
     ("volume_flow", 2, "minimum"): "+min_flow_m3h", ("flow_temperature", 2, "minimum"): "+min_flow_temperature_c",
     ("flow_temperature", 2, "maximum"): "+max_flow_temperature_c",
     ("external_temperature", 2, "minimum"): "+min_external_temperature_last_day_c",
     ("volume_flow", 1, "maximum"): "+max_flow_last_month_m3h",
     ("flow_temperature", 1, "minimum"): "+flow_temperature_c",
     ("external_temperature", 1, "minimum"): "+min_external_temperature_last_month_c",
     ("external_temperature", 1, "maximum"): "+max_external_temperature_c"},
    _custom,
)

# The last full frame of each meter (payload, or its DIF/VIF headers once a compact frame needed
# them), for compact frames of formats not in `_KNOWN`. Bounded: a van hears tens of thousands
# of meters; the oldest entry makes room.
_MAX_METERS = 20_000
# Layout plans (see `decoders.layout`) for the payloads this driver parses itself: full frames,
# and compact frames read against a learned full-frame layout.
_LAYOUTS = LayoutCache()
_COMPACT = CompactFormats(max_meters=0)
_full_frames: dict[tuple[str | None, str | None], bytes | tuple[bytes, ...]] = {}


def _remember(t: Telegram, payload: bytes) -> None:
    key = (t.manufacturer, t.id)
    _full_frames.pop(key, None)
    _full_frames[key] = payload
    if len(_full_frames) > _MAX_METERS:
        del _full_frames[next(iter(_full_frames))]


def _learned_headers(t: Telegram) -> tuple[bytes, ...] | None:
    key = (t.manufacturer, t.id)
    entry = _full_frames.get(key)
    if entry is None or type(entry) is tuple:
        return entry  # type: ignore[return-value]
    try:
        headers = header_bytes(parse_records(entry))  # type: ignore[arg-type]
    except DecodeError:
        headers = ()
    _full_frames[key] = headers
    return headers


def _info(t: Telegram, value: int, short: bool = False) -> None:
    """Info codes into flags and alarms; `short` = the 16-bit form with duration bands."""
    flags = t.extra["status_flags"]
    t.extra["info_codes"] = value
    for bit, name, alarm in _INFO16_FLAGS if short else _INFO_BITS:
        if value & bit:
            flags.append(name)
            if alarm:
                t.add_alarm(alarm)
    if short:
        t.extra["info_durations"] = {name: DURATIONS[(value >> shift) & 0x07] for name, shift in _INFO16_BANDS
                                     if (value >> shift) & 0x07}
        return
    rest = value & ~_INFO_KNOWN
    bit = 0
    while rest:
        if rest & 1:
            flags.append(f"INFO_BIT_{bit}")
        rest >>= 1
        bit += 1


def _full_frame(t: Telegram, payload: bytes) -> Found:
    """The picked records of a full frame, which the core leaves unparsed for this driver.

    The records before a damaged tail still count, as in the core; a payload with no record
    at all raises. A clean parse becomes the telegram's record list (no second parse later)
    and teaches `_LAYOUTS` its layout, so the meter's next full frame decodes only the picks.
    """
    plan = _LAYOUTS.match(payload) if t.payload is payload else None
    if plan is not None:
        t._plan = plan
        return _PICKER.pick(t)
    records: list[DataRecord] = []
    spans: list[Any] = []
    try:
        parse_records(payload, 0, "application layer", records, spans)
    except DecodeError:
        if not records:
            raise
    else:
        t.records = records
        if t.payload is payload:
            t._plan = _LAYOUTS.learn(payload, records, spans, pick_summary(records))
    return _PICKER.pick_records(t, records)


def _publish(t: Telegram, found: Found) -> None:
    t.total_m3 = num(found, "total")
    t.target_m3 = num(found, "target")
    date = text(found, "target_date")
    t.target_date = None if date is None else date[:10]
    t.flow_m3h = num(found, "flow")
    info = found.get("info")
    if info is not None and type(info.value) is int:
        _info(t, info.value, info.vif == _INFO_VIFS[1])


def decode(t: Telegram, ctx: DriverContext) -> None:
    t.extra["status_flags"] = sts_texts(t.sts)
    payload = ctx.payload
    where = f"transport layer CI 0x{t.ci or 0:02X}"
    if t.ci != 0x79:
        _publish(t, _full_frame(t, payload))
        _remember(t, payload)
        return
    if len(payload) < 4:
        raise DecodeError("compact frame header truncated", where)
    signature = payload[0] | payload[1] << 8
    data = payload[4:]
    headers = _learned_headers(t)
    if headers and signature_of(headers) == signature:
        # `_publish` sets all four summary fields, so no generic summary is needed first.
        plan = _COMPACT.plan(signature, headers, 4, len(payload)) if t.payload is payload else None
        if plan is not None:  # fixed-length values: read in place, as the core does
            t._plan = plan
            _publish(t, _PICKER.pick(t))
            return
        records = CompactFormats.expand(headers, data, where)
        t.records = records
        _publish(t, _PICKER.pick_records(t, records))
        return
    known = _KNOWN.get(signature)
    if known is None:
        raise DecodeError(f"compact frame format 0x{signature:04X} unknown: no earlier full frame from meter {t.id}",
                          where, reason="unknown_format")
    plan = _COMPACT.plan(signature, known, 4, len(payload)) if t.payload is payload else None
    if plan is not None:  # fixed-length values: read in place
        t._plan = plan
        _publish(t, _PICKER.pick(t))
        return
    records = CompactFormats.expand(known, data, where)
    t.records = records
    _publish(t, _PICKER.pick_records(t, records))


DRIVER = Driver(
    name="kamwater",
    signatures=signatures("KAM 1B 06", "KAM 1B 16", "KAW 3A 16", "KAW 3C 16", "KAM 1D 16", "KAW 42 06", "KAW 42 16"),
    decode=decode,
    fields=("info_codes", "info_durations", "max_flow_last_month_m3h",
            "max_flow_m3h", "min_flow_m3h", "min_flow_temperature_c", "max_flow_temperature_c",
            "min_external_temperature_last_day_c", "flow_temperature_c", "min_external_temperature_last_month_c",
            "max_external_temperature_c", "status_flags"),
    description="Kamstrup MULTICAL 21 / flowIQ water meters",
    known_formats=KNOWN_FORMATS,  # the core reads them too, for a Kamstrup meter no triple claims
    standard_records=False,
)
