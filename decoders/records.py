"""EN 13757-3 data records: DIF/DIFE/VIF/VIFE headers and their data fields.

The parser is a single flat loop with table lookups because it runs for every record of every
telegram the van hears; the tables live in `vif_tables`.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from functools import partial
from typing import Any, NamedTuple

from .dates import date_g, datetime_f, datetime_i, decode_point_in_time, time_j
from .errors import DecodeError
from .vif_tables import (
    EXT_FB,
    EXT_FD,
    KIND_BINARY,
    KIND_DATE,
    KIND_DATETIME,
    KIND_ID,
    KIND_NUMBER,
    KIND_TEXT,
    PRIMARY,
    VifInfo,
    vife_name,
)

FUNCTIONS = ("instantaneous", "maximum", "minimum", "error")

# Data field length by DIF low nibble; -1 = variable, -2 = special (0x?F).
# Data field length by DIF low nibble; -1 = variable (LVAR byte), -2 = special (0x?F).
DATA_LENGTHS = _LENGTHS = (0, 1, 2, 3, 4, 4, 6, 8, 0, 1, 2, 3, 4, -1, 6, -2)
_BCD = frozenset((0x9, 0xA, 0xB, 0xC, 0xE))
_REAL32 = struct.Struct("<f")
_MANUFACTURER = VifInfo("manufacturer_specific", "", 0, KIND_BINARY)
_RESERVED = VifInfo("reserved", "", 0, KIND_BINARY)
_ANY_VIF = VifInfo("any", "", 0, KIND_BINARY)
_NONE: tuple[str, ...] = ()
# Profile VIFEs turn a variable-length field into packed binary series, not text.
_PROFILES = frozenset(("inverse_compact_profile", "compact_profile_with_register", "compact_profile"))


class DataRecord(NamedTuple):
    """One data record; `value` is scaled to `unit` (dates as strings, invalid as None).

    A named tuple rather than a dataclass: a meter's telegram yields tens of these and the hot
    path builds them with one tuple concatenation from the cached header part.
    """

    dif: bytes
    vif: bytes
    storage: int
    tariff: int
    subunit: int
    function: str
    quantity: str
    unit: str
    value: Any
    vifes: tuple[str, ...] = ()
    raw: bytes = b""

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "dif": self.dif.hex(),
            "vif": self.vif.hex(),
            "storage": self.storage,
            "tariff": self.tariff,
            "subunit": self.subunit,
            "function": self.function,
            "quantity": self.quantity,
            "unit": self.unit,
            "value": self.value,
        }
        if self.vifes:
            out["vifes"] = list(self.vifes)
        return out


def bcd_to_int(b: bytes) -> int | None:
    """Little-endian BCD; a top nibble F means negative, all F (or any other A-F) means invalid."""
    digits = b[::-1].hex()
    if not digits:
        return None
    if digits.isdigit():
        return int(digits)
    if digits[0] == "f" and digits[1:].isdigit():
        return -int(digits[1:])
    return None


def _scale(value: int, exp: int) -> int | float:
    if exp == 0:
        return value
    if exp > 0:
        return value * 10**exp
    # Division by an exact power of ten keeps 3843 -> 3.843 clean, unlike multiplying by 0.001.
    return value / 10**-exp


class _Header(NamedTuple):
    """Everything a DIF/VIF header determines; cached per distinct header byte string.

    `prefix` is the record's first eight fields, ready to concatenate; `decode` turns the raw
    value bytes into the scaled value, chosen once per header instead of per record. `vtype` is
    the one type `decode` returns besides None (int, float or str), or None when that varies:
    a consumer that wants values of that type as they are can then call `decode` directly.
    `source`, for the simple codings, is what `decode` computes as a Python expression of `{r}`
    (the raw bytes) or of `{int_s}` / `{int_u}` (the raw bytes as a signed / unsigned
    little-endian integer): a layout inlines it into one generated function per layout instead
    of a call per value (`layout.Plan`); `source_lambda` is the plain form.
    """

    dif: bytes
    vif: bytes
    storage: int
    tariff: int
    subunit: int
    function: str
    quantity: str
    unit: str
    exp: int
    kind: int
    vifes: tuple[str, ...]
    low: int
    profile: bool
    prefix: tuple[Any, ...]
    decode: Callable[[bytes], Any]
    vtype: type | None = None
    source: str | None = None


_new = tuple.__new__
# Date/time decoders by DIF data coding (2, 3, 4, 6 bytes): types G, J, F, I.
_POINT_IN_TIME: dict[int, Callable[[bytes], Any]] = {0x2: date_g, 0x3: time_j, 0x4: datetime_f, 0x6: datetime_i}
_HEADERS: dict[bytes, _Header] = {}
_HEADER_CACHE_MAX = 65536


def parse_records(
    data: bytes,
    offset: int = 0,
    where: str = "application layer",
    out: list[DataRecord] | None = None,
    spans: list[tuple[_Header | None, int, int]] | None = None,
) -> list[DataRecord]:
    """Parse every record of `data[offset:]`; raise `DecodeError` naming the byte offset.

    Records are appended to `out` as they are parsed, so a caller that wants to salvage the
    good records in front of a damaged tail still has them after the exception. `spans`, when
    given, receives (header, value start, value end) per record, for `layout.LayoutCache`.

    A meter repeats the same few headers in every telegram, so the header of each record is
    walked only for its extension bits and then looked up; the full interpretation
    (`_decode_header`) runs once per distinct header.
    """
    records: list[DataRecord] = [] if out is None else out
    n = len(data)
    i = offset
    lengths = _LENGTHS
    cache = _HEADERS
    h: _Header
    append = records.append
    while i < n:
        start = i
        dif = data[i]
        if dif & 0x0F == 0x0F:
            i += 1
            if dif == 0x2F:
                continue
            if dif in (0x0F, 0x1F):
                rest = data[i:]
                if spans is not None:
                    spans.append((None, i, n))
                append(DataRecord(data[start:i], b"", 0, 0, 0, "instantaneous", "manufacturer_data", "",
                                  rest.hex(), raw=rest))
                return records
            raise DecodeError(f"reserved DIF 0x{dif:02X}", f"{where}, offset {start}")
        # Find the end of the header from the extension bits alone.
        j = i + 1
        last = dif
        while last & 0x80 and j < n and j - i < 12:
            last = data[j]
            j += 1
        if j >= n or last & 0x80:
            h, j = _decode_header(data, start, n, where)  # raises the precise error
        else:
            vif = data[j]
            j += 1
            last = vif
            if vif == 0xFD or vif == 0xFB:
                if j >= n:
                    raise DecodeError("extension VIF missing", f"{where}, offset {j}")
                last = data[j]
                j += 1
            if vif & 0x7F == 0x7C:
                h, j = _decode_header(data, start, n, where)
            else:
                k = 0
                while last & 0x80 and j < n and k < 11:
                    last = data[j]
                    j += 1
                    k += 1
                if last & 0x80:
                    h, j = _decode_header(data, start, n, where)
                else:
                    hdr = data[start:j]
                    h = cache.get(hdr)  # type: ignore[assignment]
                    if h is None:
                        h, _ = _decode_header(data, start, n, where)
                        if len(cache) >= _HEADER_CACHE_MAX:
                            cache.clear()
                        cache[hdr] = h
        i = j
        length = lengths[h.low]
        if length == -1:
            if i >= n:
                raise DecodeError("variable-length LVAR missing", f"{where}, offset {i}")
            lvar = data[i]
            value, i = _variable(data, i + 1, lvar, where)
            raw = data[j:i]
            if h.profile or (h.kind == KIND_BINARY and lvar <= 0xBF):  # packed binary, not text: hex
                value = data[j + 1 : i].hex()
            elif type(value) is int and h.kind == KIND_NUMBER:
                value = _scale(value, h.exp)
            if spans is not None:
                spans.append((h, j + 1, i))
        else:
            if i + length > n:
                raise DecodeError(
                    f"record data truncated: needs {length} bytes, {n - i} left", f"{where}, offset {start}"
                )
            raw = data[i : i + length]
            value = h.decode(raw) if length else None
            if spans is not None:
                spans.append((h, i, i + length))
            i += length
        # Concatenation, not (*prefix, ...): it builds the record tuple with fewer steps.
        append(_new(DataRecord, h.prefix + (value, h.vifes, raw)))  # noqa: RUF005
    return records


def record_from_span(h: _Header | None, data: bytes, a: int, b: int) -> DataRecord:
    """Rebuild the record whose value occupies data[a:b] under header `h` (None = 0x0F data).

    Used by layout plans: the layout is known, so only the value needs decoding.
    """
    if h is None:
        rest = data[a:b]
        return DataRecord(data[a - 1 : a], b"", 0, 0, 0, "instantaneous", "manufacturer_data", "", rest.hex(),
                          raw=rest)
    value, raw = span_value(h, data, a, b)
    return _new(DataRecord, h.prefix + (value, h.vifes, raw))  # noqa: RUF005


def span_value(h: _Header, data: bytes, a: int, b: int) -> tuple[Any, bytes]:
    """(value, raw bytes) of the record under header `h` whose value occupies data[a:b]."""
    if h.low == 0x0D:
        value, _ = _variable(data, a, data[a - 1], "application layer")
        if h.profile or (h.kind == KIND_BINARY and data[a - 1] <= 0xBF):
            value = data[a:b].hex()
        elif type(value) is int and h.kind == KIND_NUMBER:
            value = _scale(value, h.exp)
        return value, data[a - 1 : b]
    raw = data[a:b]
    return (h.decode(raw) if a != b else None), raw


def json_head(h: _Header) -> dict[str, Any]:
    """`DataRecord.to_json` of a record under `h`, value left None: the same for every record
    of the header, so a layout builds it once (see `layout.Plan.records_json`)."""
    head: dict[str, Any] = {"dif": h.dif.hex(), "vif": h.vif.hex(), "storage": h.storage, "tariff": h.tariff,
                            "subunit": h.subunit, "function": h.function, "quantity": h.quantity, "unit": h.unit,
                            "value": None}
    if h.vifes:
        head["vifes"] = list(h.vifes)
    return head


def _value_decoder(low: int, kind: int, exp: int,
                   profile: bool) -> tuple[Callable[[bytes], Any], type | None, str | None]:
    """The value function for one header, the type it returns besides None and, for the simple
    codings, the same computation as an expression of `{r}` (see `_Header.source`): plain
    integers, the bulk of all records, get a dedicated closure; everything else goes through the
    general interpretation."""
    if kind == KIND_NUMBER and 0 < low < 8 and low != 5:
        from_bytes = int.from_bytes
        if exp == 0:
            return lambda raw: from_bytes(raw, "little", signed=True), int, "{int_s}"
        if exp > 0:
            factor = 10**exp
            return lambda raw: from_bytes(raw, "little", signed=True) * factor, int, f"{{int_s}} * {factor}"
        divisor = 10**-exp
        return lambda raw: from_bytes(raw, "little", signed=True) / divisor, float, f"{{int_s}} / {divisor}"
    if kind in (KIND_DATE, KIND_DATETIME) and low in _POINT_IN_TIME:
        return _POINT_IN_TIME[low], str, None
    if kind in (KIND_BINARY, KIND_ID) and not profile:  # flag words, access numbers, serials
        if 0 < low < 8 and low != 5:
            from_bytes = int.from_bytes
            return lambda raw: from_bytes(raw, "little"), int, "{int_u}"
        if low in _BCD and kind == KIND_ID:
            return lambda raw: raw[::-1].hex().upper(), str, "{r}[::-1].hex().upper()"
    if low in _BCD and kind not in (KIND_ID, KIND_DATE, KIND_DATETIME):
        # All-decimal digits inline (one call per value); a sign nibble or an invalid digit
        # takes `bcd_to_int`.
        if exp < 0:
            divisor = 10**-exp

            def bcd_scaled(raw: bytes) -> float | None:
                digits = raw[::-1].hex()
                if digits.isdigit():
                    return int(digits) / divisor
                v = bcd_to_int(raw)
                return None if v is None else v / divisor

            return bcd_scaled, float, (f"(int(_s) / {divisor} if (_s := {{r}}[::-1].hex()).isdigit() "
                                       f"else _bcd_div({{r}}, {divisor}))")
        factor = 10**exp

        def bcd_whole(raw: bytes) -> int | None:
            digits = raw[::-1].hex()
            if digits.isdigit():
                return int(digits) * factor
            v = bcd_to_int(raw)
            return None if v is None else v * factor

        return bcd_whole, int, (f"(int(_s) * {factor} if (_s := {{r}}[::-1].hex()).isdigit() "
                                f"else _bcd_mul({{r}}, {factor}))")
    return partial(_general_value, low, kind, exp, profile), None, None


def _bcd_div(raw: bytes, divisor: int) -> float | None:
    """The rare path of a BCD `source` expression (sign nibble, invalid digit)."""
    v = bcd_to_int(raw)
    return None if v is None else v / divisor


def _bcd_mul(raw: bytes, factor: int) -> int | None:
    v = bcd_to_int(raw)
    return None if v is None else v * factor


# What a `_Header.source` expression may name besides the raw bytes.
SOURCE_NAMES: dict[str, Any] = {"_fb": int.from_bytes, "_bcd_div": _bcd_div, "_bcd_mul": _bcd_mul}


def source_lambda(source: str) -> Callable[[bytes], Any]:
    """A `_Header.source` as a function of the raw bytes: the tests hold it to `decode`."""
    expr = source.format(r="r", int_s="_fb(r, 'little', signed=True)", int_u="_fb(r, 'little')")
    return eval(f"lambda r: {expr}", dict(SOURCE_NAMES))  # only our own format strings and integers


def _general_value(low: int, kind: int, exp: int, profile: bool, raw: bytes) -> Any:
    if kind == KIND_NUMBER and low < 8 and low != 5:
        return _scale(int.from_bytes(raw, "little", signed=True), exp)
    if kind in (KIND_DATE, KIND_DATETIME):
        return decode_point_in_time(raw) if low not in _BCD else None
    if low in _BCD:
        if kind == KIND_ID:
            return raw[::-1].hex().upper()
        v = bcd_to_int(raw)
        return None if v is None else _scale(v, exp)
    if low == 5:
        return _REAL32.unpack(raw)[0] * 10.0**exp
    if kind == KIND_TEXT or profile:
        return raw[::-1].hex().upper()
    return int.from_bytes(raw, "little")


def _decode_header(data: bytes, start: int, n: int, where: str) -> tuple[_Header, int]:
    """Interpret one DIF/DIFE/VIF/VIFE header; returns it and the offset of its data."""
    i = start
    dif = data[i]
    i += 1
    storage = (dif >> 6) & 1
    tariff = 0
    subunit = 0
    if dif & 0x80:
        shift = 0
        while True:
            if i >= n:
                raise DecodeError("DIFE missing after extension bit", f"{where}, offset {i}")
            dife = data[i]
            i += 1
            storage |= (dife & 0x0F) << (1 + 4 * shift)
            tariff |= ((dife >> 4) & 0x03) << (2 * shift)
            subunit |= ((dife >> 6) & 0x01) << shift
            shift += 1
            if not dife & 0x80:
                break
            if shift > 10:
                raise DecodeError("more than 10 DIFEs", f"{where}, offset {start}")
    dif_end = i
    if i >= n:
        raise DecodeError("record ends before its VIF", f"{where}, offset {start}")
    vif = data[i]
    i += 1
    vifes: list[str] = []
    extra_exp = 0
    code = vif & 0x7F
    more = vif & 0x80
    if code < 0x7B:
        info = PRIMARY[code]
    elif vif == 0xFD or vif == 0xFB:
        if i >= n:
            raise DecodeError("extension VIF missing", f"{where}, offset {i}")
        ext = data[i]
        i += 1
        info = (EXT_FD if vif == 0xFD else EXT_FB).get(ext & 0x7F, _RESERVED)
        more = ext & 0x80
    elif code == 0x7C:
        if i >= n:
            raise DecodeError("plain-text VIF length missing", f"{where}, offset {i}")
        tlen = data[i]
        if i + 1 + tlen > n:
            raise DecodeError("plain-text VIF truncated", f"{where}, offset {i}")
        text = data[i + 1 : i + 1 + tlen][::-1].decode("latin-1")
        i += 1 + tlen
        info = VifInfo(text, text, 0, KIND_NUMBER)
    elif code == 0x7F:
        info = _MANUFACTURER
    elif code == 0x7E:
        info = _ANY_VIF
    else:
        info = _RESERVED
    if more:
        manufacturer = info is _MANUFACTURER
        while True:
            if i >= n:
                raise DecodeError("VIFE missing after extension bit", f"{where}, offset {i}")
            vife = data[i]
            i += 1
            c = vife & 0x7F
            if manufacturer:
                vifes.append(f"mfct_{c:02x}")
            else:
                vifes.append(vife_name(c))
                if c == 0x7F:
                    manufacturer = True
                elif c == 0x7D:
                    extra_exp += 3
                elif 0x70 <= c <= 0x77:
                    extra_exp += c - 0x76
            if not vife & 0x80:
                break
            if len(vifes) > 10:
                raise DecodeError("more than 10 VIFEs", f"{where}, offset {start}")
    dif_b, vif_b, function = data[start:dif_end], data[dif_end:i], FUNCTIONS[(dif >> 4) & 3]
    exp = info.exp + extra_exp
    profile = bool(vifes) and not _PROFILES.isdisjoint(vifes)
    header = _Header(
        dif_b, vif_b, storage, tariff, subunit, function, info.quantity, info.unit, exp, info.kind,
        tuple(vifes) if vifes else _NONE, dif & 0x0F, profile,
        (dif_b, vif_b, storage, tariff, subunit, function, info.quantity, info.unit),
        *_value_decoder(dif & 0x0F, info.kind, exp, profile),
    )
    return header, i


def variable_size(lvar: int) -> int | None:
    """Bytes of data after an LVAR byte (text, BCD or binary); None for a reserved LVAR."""
    if lvar <= 0xBF:
        return lvar
    if lvar <= 0xDF:
        return lvar & 0x0F
    if lvar <= 0xEF:
        return lvar - 0xE0
    if lvar <= 0xF4:
        return 4 * (lvar - 0xEC)
    if lvar == 0xF5:
        return 48
    if lvar == 0xF6:
        return 64
    return None


def _variable(data: bytes, i: int, lvar: int, where: str) -> tuple[Any, int]:
    """Variable-length data (DIF 0x?D): text, BCD or binary, chosen by the LVAR byte."""
    size = variable_size(lvar)
    if size is None:
        raise DecodeError(f"reserved LVAR 0x{lvar:02X}", f"{where}, offset {i - 1}")
    if i + size > len(data):
        raise DecodeError(f"variable-length data truncated: needs {size} bytes", f"{where}, offset {i - 1}")
    raw = data[i : i + size]
    if lvar <= 0xBF:
        value: Any = raw[::-1].decode("latin-1")
    elif lvar <= 0xCF:
        value = bcd_to_int(raw)
    elif lvar <= 0xDF:
        v = bcd_to_int(raw)
        value = None if v is None else -v
    elif lvar <= 0xEF:
        value = int.from_bytes(raw, "little", signed=True)
    else:
        value = raw.hex()
    return value, i + size
