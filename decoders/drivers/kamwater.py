"""Kamstrup MULTICAL 21 / flowIQ water meters (KAM, KAW): ELL-II (AES-CTR, done by the core),
then a 0x78 full frame or a 0x79 compact frame.

Compact frames name their layout only by a format signature. A layout is taken, in order,
from the meter's last full frame (remembered here, bounded) or from `_KNOWN`, the layouts of
the two signatures in the public vectors. No DIF/VIF sequence reproducing those signatures
could be identified from the vectors, so `_KNOWN` describes them by field meaning, worked out
by matching the values against the reference readings; fields the reference does not explain
are skipped by size and not published. That is also why this driver parses records itself
(`standard_records=False`): the core rejects a compact frame of unknown signature before any
driver runs.

Info codes (04 FF 23 in full frames, 02 FF 20 in compact ones) use the documented bits DRY,
REVERSE, LEAK, BURST, TAMPER, LOW_BATTERY, LOW_AMBIENT_TEMPERATURE, FLOW_ABOVE_Q4 and
NO_CONSUMPTION. The encoding of the duration bands (time_dry, time_leaking, ...) is not
derivable from the vectors (all are zero there), so the other bits are shown as INFO_BIT_n.
"""

from __future__ import annotations

from typing import Any

from ..compact import CompactFormats, header_bytes, signature_of
from ..dates import date_g
from ..driver_api import Driver, Signature
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

# Field kinds of the known compact layouts.
_INFO, _VOLUME, _DATE, _FLOW, _TEMP, _SKIP = range(6)
Layout = tuple[tuple[str, int, int], ...]
_KNOWN: dict[int, Layout] = {
    # Vector 56 (KAM version 0x1B): the last byte is a one-byte field the reference does not print.
    0xC412: (("info", 2, _INFO), ("total_m3", 4, _VOLUME), ("max_flow_m3h", 2, _FLOW),
             ("min_flow_temperature_c", 1, _TEMP), ("", 1, _SKIP)),
    # Vector 58 (KAW version 0x3C): a two-byte field after the due date, one temperature and the
    # six-byte manufacturer record at the end are not explained by the reference.
    0x36D4: (("info", 2, _INFO), ("total_m3", 4, _VOLUME), ("target_m3", 4, _VOLUME), ("target_date", 2, _DATE),
             ("", 2, _SKIP), ("flow_temperature_c", 1, _TEMP), ("min_external_temperature_last_month_c", 1, _TEMP),
             ("max_external_temperature_c", 1, _TEMP), ("", 1, _SKIP), ("", 6, _SKIP)),
}
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
     ("external_temperature", 2, "minimum"): "+min_external_temperature_last_day_c"},
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


def _info(t: Telegram, value: int) -> None:
    flags = t.extra["status_flags"]
    t.extra["info_codes"] = value
    for bit, name, alarm in _INFO_BITS:
        if value & bit:
            flags.append(name)
            if alarm:
                t.add_alarm(alarm)
    rest = value & ~_INFO_KNOWN
    bit = 0
    while rest:
        if rest & 1:
            flags.append(f"INFO_BIT_{bit}")
        rest >>= 1
        bit += 1


def _known_layout(t: Telegram, layout: Layout, data: bytes, where: str) -> None:
    size = sum(f[1] for f in layout)
    if len(data) < size:
        raise DecodeError(f"compact frame values end early: layout needs {size} bytes, {len(data)} present", where)
    pos = 0
    extra = t.extra
    for name, n, kind in layout:
        raw = data[pos : pos + n]
        pos += n
        if kind == _SKIP:
            continue
        if kind == _INFO:
            _info(t, int.from_bytes(raw, "little"))
            continue
        if kind == _DATE:
            value: object = date_g(raw)
        elif kind == _TEMP:
            value = float(int.from_bytes(raw, "little", signed=True))
        else:
            value = int.from_bytes(raw, "little", signed=True) / 1000
        if name in _SUMMARY:
            setattr(t, name, value)
        elif value is not None:
            extra[name] = value


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
        _info(t, info.value)


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
    layout = _KNOWN.get(signature)
    if layout is None:
        raise DecodeError(f"compact frame format 0x{signature:04X} unknown: no earlier full frame from meter {t.id}",
                          where, reason="unknown_format")
    _known_layout(t, layout, data, where)


DRIVER = Driver(
    name="kamwater",
    signatures=tuple(Signature(m, device_type=d) for m in ("KAM", "KAW") for d in (0x06, 0x07, 0x15, 0x16)),
    decode=decode,
    fields=("info_codes", "max_flow_m3h", "min_flow_m3h", "min_flow_temperature_c", "max_flow_temperature_c",
            "min_external_temperature_last_day_c", "flow_temperature_c", "min_external_temperature_last_month_c",
            "max_external_temperature_c", "status_flags"),
    description="Kamstrup MULTICAL 21 / flowIQ water meters",
    standard_records=False,
)
