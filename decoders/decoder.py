"""The decode pipeline: link layer → ELL/AFL/TPL → security → records → summary → driver.

Sans-IO: `Decoder.decode` takes the bytes of one frame and returns a `Telegram`. The only state
is what a real receiver must remember between telegrams: the compact-frame formats announced
by full frames.
"""

from __future__ import annotations

from typing import Any

from .compact import CompactFormats
from .detection import DIEHL_GROUP, METER_C_FIELDS, diehl_version_type, is_diehl_proprietary
from .driver_api import Driver, DriverRegistry, discover
from .errors import DecodeError
from .headers import AFL_FAST, COMPACT_FAST, ELL_II_FAST, LONG_TPL_FAST, SHORT_TPL_FAST
from .keystore import KeyStore
from .layout import LayoutCache
from .linklayer import LinkFrame, id_from_bytes, parse_link
from .manufacturer import code_to_letters
from .media import MEDIA
from .model import DriverContext, Telegram
from .records import DataRecord, parse_records
from .security import (
    ZERO_IV,
    aes_ctr,
    cmac,
    decrypt_checked,
    des_cbc_decrypt,
    ell_counter_block,
    ell_crc_ok,
    mode5_iv,
    mode7_keys,
)
from .summary import fill_water_summary, status_alarms

LONG_TPL = frozenset({0x72, 0x73})
SHORT_TPL = frozenset({0x7A, 0x7B})
NO_TPL = frozenset({0x78, 0x79})
COMPACT = frozenset({0x73, 0x79, 0x7B})
MANUFACTURER_CI = frozenset(range(0xA0, 0xB8))
# Layers outside the transport layer: ELL-I/II (with second address), network layer, AFL.
_OUTER_LAYER_CIS = frozenset((0x8C, 0x8D, 0x8E, 0x8F, 0x81, 0x90))
_WHERE_CI = tuple(f"transport layer CI 0x{c:02X}" for c in range(256))

# The Diehl group's OMS default key (its 8-byte half sent twice), for Diehl-group meters that
# have no configured key; accepted only when the plaintext starts with 2F 2F.
DIEHL_DEFAULT_KEY = bytes.fromhex("51728910E66D83F8" * 2)

_default_registry: DriverRegistry | None = None


def default_registry() -> DriverRegistry:
    global _default_registry
    if _default_registry is None:
        _default_registry = discover()
    return _default_registry


class Decoder:
    """Decode frames with a key store, a driver registry and learned compact formats."""

    def __init__(
        self,
        keys: KeyStore | None = None,
        default_key: bytes | None = None,
        registry: DriverRegistry | None = None,
        driver: str | None = None,
    ) -> None:
        self.keys = keys or KeyStore()
        self.default_key = default_key
        self.registry = registry if registry is not None else default_registry()
        self.formats = CompactFormats()
        self.layouts = LayoutCache()
        for d in self.registry:
            for headers in d.known_formats:
                self.formats.add_known(headers)
        self.forced_driver: Driver | None = None
        if driver is not None:
            found = self.registry.get(driver)
            if found is None:
                names = ", ".join(d.name for d in self.registry) or "none"
                raise DecodeError(f"unknown driver {driver!r}; known drivers: {names}", "--driver")
            self.forced_driver = found

    def __repr__(self) -> str:
        return f"Decoder({self.keys!r}, drivers={len(self.registry)})"

    def decode_safe(self, raw: bytes) -> Telegram:
        """Like `decode`, but a failure becomes a telegram with `error` set (what the CLI prints)."""
        t = Telegram()
        try:
            return self.decode(raw, t)
        except DecodeError as exc:
            t.error = str(exc)
            t.reason = exc.reason
            return t

    def _key_for(self, manufacturer: str | None, meter_id: str | None) -> bytes | None:
        key = self.keys.lookup(manufacturer, meter_id)
        return key if key is not None else self.default_key

    def decode(self, raw: bytes, t: Telegram | None = None) -> Telegram:
        link = parse_link(raw)
        if link.alternative is None:
            return self._decode_link(link, Telegram() if t is None else t)
        # Format B by one CRC match, or a CRC-free frame whose last two bytes match by chance:
        # the reading that decodes cleanly wins, format B first.
        try:
            first = self._decode_link(link, Telegram())
            if not first.warnings:
                return _into(first, t)
        except DecodeError:
            first = None
        try:
            second = self._decode_link(link.alternative, Telegram())
            if not second.warnings or first is None:
                return _into(second, t)
        except DecodeError:
            if first is None:
                raise
        return _into(first, t)  # type: ignore[arg-type]

    def _decode_link(self, link: LinkFrame, t: Telegram) -> Telegram:
        """One step per layer: link, ELL/AFL, then a manufacturer frame or TPL, security and
        application. The steps hand each other plain values; only `t` is shared."""
        # Link layer (inlined, as is the test below: they run for every telegram).
        t.frame = link.frame
        t.crc_format = link.crc_format
        if link.trailing:
            t.warnings.append(f"{link.trailing} bytes after the end announced by the L-field were ignored")
        if link.kind == "wmbus":
            a_bytes = link.a_field
            link_manufacturer = t.manufacturer = code_to_letters(link.m_field)
            t.id = id_from_bytes(a_bytes)
            t.version = a_bytes[4]
            t.device_type = a_bytes[5]
            m_bytes = link.frame[2:4]
        else:
            m_bytes = a_bytes = b""
            link_manufacturer = None
        body = link.body
        if body and body[0] not in _OUTER_LAYER_CIS:
            pos, afl = 0, None
            t.ci_chain.append(body[0])
        else:
            body, pos, afl = self._extended_layers(t, body, m_bytes, a_bytes)
        ci = t.ci = body[pos]
        where = _WHERE_CI[ci]
        if ci in MANUFACTURER_CI:
            return self._manufacturer_frame(t, link, link_manufacturer, body, pos, m_bytes, a_bytes, where)
        pos, cfg, m_bytes, a_bytes = _transport_header(t, link, body, pos, m_bytes, a_bytes, where)
        # Diehl-group meters: their CI decides where version and type are (decoders.detection).
        diehl = link_manufacturer in DIEHL_GROUP and link.c_field in METER_C_FIELDS
        mode = (cfg >> 8) & 0x1F
        payload = body[pos:]
        key: bytes | None = None
        if mode:
            payload, key = self._decrypt_tpl(t, mode, cfg, payload, body, pos, afl, m_bytes, a_bytes, where,
                                             diehl and not is_diehl_proprietary(t.ci_chain[0], cfg))
        driver = self.forced_driver
        if driver is None:
            driver = self._detect(t, link, link_manufacturer, cfg, diehl)
        return self._application(t, driver, ci, cfg, mode, body, payload, key, m_bytes, a_bytes, where)

    def _detect(self, t: Telegram, link: LinkFrame, link_manufacturer: str | None, cfg: int,
                diehl: bool) -> Driver | None:
        """The driver claiming the telegram's (manufacturer, version, type); see `decoders.detection`.
        `cfg` is the TPL configuration word, which counts only when the first CI is that TPL's."""
        if diehl:
            first_ci = t.ci_chain[0]
            vt = diehl_version_type(link_manufacturer, first_ci, cfg if first_ci == t.ci else 0,  # type: ignore[arg-type]
                                    link.a_field)
            if vt is not None:
                return self.registry.detect(link_manufacturer, vt[0], vt[1])
        found = self.registry.detect(t.manufacturer, t.version, t.device_type)
        if found is None and t.radio_id is not None:
            # A long TPL header names the meter; a radio module whose own link-layer triple is
            # claimed (a converter sold for one family) still detects by it.
            a = link.a_field
            found = self.registry.detect(link_manufacturer, a[4], a[5])
        return found

    def _extended_layers(self, t: Telegram, body: bytes, m_bytes: bytes,
                         a_bytes: bytes) -> tuple[bytes, int, tuple[int, bytes, bytes, int] | None]:
        """ELL (decrypting ELL-II AES-CTR), network and AFL layers, up to the transport CI.

        Returns the body holding that CI (the ELL-II plaintext when there was one), the CI's
        offset in it and the AFL fields mode 7 needs."""
        pos = 0
        n = len(body)
        afl: tuple[int, bytes, bytes, int] | None = None  # (mcl, counter, mac, start of MAC'd data)
        chain = t.ci_chain
        while True:
            if pos >= n:
                raise DecodeError("frame ends where a CI field was expected", f"transport layer, offset {pos}")
            ci = body[pos]
            chain.append(ci)
            if len(chain) > 8:
                raise DecodeError("too many nested CI fields", f"transport layer, offset {pos}")
            if ci == 0x8C or ci == 0x8E:
                size = 3 if ci == 0x8C else 11
                if pos + size > n:
                    raise DecodeError(f"ELL-I header truncated (CI 0x{ci:02X})", f"extended link layer, offset {pos}")
                t.acc = body[pos + 2]
                pos += size
            elif ci == 0x8D or ci == 0x8F:
                body = self._ell_ii(t, body, pos, ci, m_bytes, a_bytes)
                n = len(body)
                pos = 0
            elif ci == 0x81:
                pos += 2
            elif ci == 0x90:
                afl, pos = _parse_afl(body, pos)
            else:
                return body, pos, afl

    def _ell_ii(self, t: Telegram, body: bytes, pos: int, ci: int, m_bytes: bytes, a_bytes: bytes) -> bytes:
        """The ELL-II payload after its CRC, decrypted (AES-CTR) when it is encrypted."""
        size = 7 if ci == 0x8D else 15
        if pos + size + 2 > len(body):
            raise DecodeError(f"ELL-II header truncated (CI 0x{ci:02X})", f"extended link layer, offset {pos}")
        cc, acc, sn = ELL_II_FAST.unpack_from(body, pos + 1 if ci == 0x8D else pos + 9)
        if ci == 0x8F:
            cc, acc = body[pos + 1], body[pos + 2]
        t.acc = acc
        security = (int.from_bytes(sn, "little") >> 29) & 0x07
        rest = body[pos + size :]
        where_ell = f"extended link layer, offset {pos}"
        if security == 1:
            t.encryption = "ell-ctr"
            key = self._key_for(t.manufacturer, t.id)
            # With a key, decrypt first: a ciphertext whose first two bytes happen to be
            # the CRC of the rest (1 in 65,536) must not pass as an archived plaintext.
            if key is not None and len(key) == 16:
                candidate = aes_ctr(key, ell_counter_block(m_bytes, a_bytes, cc, sn), rest)
                if ell_crc_ok(candidate):
                    t.decrypted = True
                    return candidate[2:]
            if ell_crc_ok(rest):
                return rest[2:]
            if key is None:
                raise DecodeError(f"no key for meter {t.id}: ELL payload is AES-CTR encrypted",
                                  where_ell, reason="missing_key")
            if len(key) != 16:
                raise DecodeError(f"key for meter {t.id} is not AES-128", where_ell, reason="wrong_key")
            raise DecodeError("ELL payload CRC mismatch after decryption: wrong key", where_ell, reason="wrong_key")
        if security == 0:
            if not ell_crc_ok(rest):
                raise DecodeError("ELL payload CRC mismatch", where_ell, reason="crc")
            return rest[2:]
        raise DecodeError(f"ELL security mode {security} is not supported", where_ell, reason="unsupported")

    def _manufacturer_frame(self, t: Telegram, link: LinkFrame, link_manufacturer: str | None, body: bytes,
                            pos: int, m_bytes: bytes, a_bytes: bytes, where: str) -> Telegram:
        """CI 0xA0-0xB7: no TPL header the core could read; the detected driver takes over."""
        diehl = link_manufacturer in DIEHL_GROUP and link.c_field in METER_C_FIELDS
        driver = self.forced_driver or self._detect(t, link, link_manufacturer, 0, diehl)
        if driver is None:
            raise DecodeError(
                f"manufacturer-specific CI 0x{t.ci:02X} from {t.manufacturer} version 0x{t.version or 0:02X} "
                f"type 0x{t.device_type or 0:02X} and no driver for it",
                where, reason="unsupported",
            )
        t.media = MEDIA.get(t.device_type, "reserved") if t.device_type is not None else None
        ctx = DriverContext(body[pos:], body[pos + 1 :], self._key_for(t.manufacturer, t.id), m_bytes, a_bytes)
        t.driver = driver.name
        driver.decode(t, ctx)
        return t

    def _application(self, t: Telegram, driver: Driver | None, ci: int, cfg: int, mode: int, body: bytes,
                     payload: bytes, key: bytes | None, m_bytes: bytes, a_bytes: bytes, where: str) -> Telegram:
        """EN 13757-3 records (full, compact or from a learned layout), then the driver."""
        ctx: DriverContext | None = None
        if driver is not None:
            t.driver = driver.name
            if key is None:
                key = self.keys.lookup(t.manufacturer, t.id)  # `_key_for`, inlined: every telegram
                if key is None:
                    key = self.default_key
            ctx = DriverContext(body, payload, key, m_bytes, a_bytes, cfg, mode)
        if mode >= 16 and (driver is None or driver.standard_records):
            raise DecodeError(
                f"security mode {mode} (manufacturer scrambling) needs a manufacturer driver",
                where, reason="unsupported",
            )
        t.payload = payload
        if driver is None or driver.standard_records:
            if ci in COMPACT:
                self._compact(t, payload, where)
            else:
                plan = self.layouts.match(payload)
                if plan is not None:
                    t._plan = plan
                    if plan.warning:
                        t.warnings.append(plan.warning)
                    plan.apply_summary(t, payload)
                else:
                    self._parse_and_learn(t, payload)
                self.formats.remember(t.manufacturer, t.id, t)
        if t.sts:
            status_alarms(t, t.sts)
        if ctx is not None:
            driver.decode(t, ctx)  # type: ignore[union-attr]
        return t

    def _decrypt_tpl(self, t: Telegram, mode: int, cfg: int, payload: bytes, body: bytes, pos: int,
                     afl: tuple[int, bytes, bytes, int] | None, m_bytes: bytes, a_bytes: bytes,
                     where: str, diehl_default: bool = False) -> tuple[bytes, bytes | None]:
        if mode == 5:
            t.encryption = "mode5"
            blocks = (cfg >> 4) & 0x0F
            enc_len = blocks * 16 if blocks else len(payload) - len(payload) % 16
            if enc_len > len(payload):
                if payload[:2] == b"\x2f\x2f":  # an archived plaintext need not fill the blocks
                    return payload, None
                raise DecodeError(
                    f"CFG announces {blocks} encrypted blocks but only {len(payload)} bytes follow",
                    where, reason="invalid",
                )
            key = self._key_for(t.manufacturer, t.id)
            if key is None and diehl_default and enc_len:
                plain = self._diehl_default(t, payload, enc_len, mode5_iv(m_bytes, a_bytes, t.acc or 0), where)
                if plain is not None:
                    return plain, None
            if key is None or len(key) != 16 or enc_len == 0:
                if payload[:2] == b"\x2f\x2f":
                    return payload, None
                if key is None:
                    raise DecodeError(f"no key for meter {t.id} (mode 5 AES-CBC)", where, reason="missing_key")
                raise DecodeError(f"key for meter {t.id} is not AES-128", where, reason="wrong_key")
            return self._plain_or_decrypted(t, payload, enc_len, key, mode5_iv(m_bytes, a_bytes, t.acc or 0),
                                            where), key
        if mode == 7:
            t.encryption = "mode7"
            if len(payload) < 1:
                raise DecodeError("mode 7 CFG extension byte missing", where)
            payload = payload[1:]  # CFG extension
            blocks = (cfg >> 4) & 0x0F
            enc_len = blocks * 16 if blocks else len(payload) - len(payload) % 16
            if enc_len > len(payload):
                raise DecodeError(
                    f"CFG announces {blocks} encrypted blocks but only {len(payload)} bytes follow", where
                )
            key = self._key_for(t.manufacturer, t.id)
            if key is None or len(key) != 16 or afl is None or not afl[1] or enc_len == 0:
                if payload[:2] == b"\x2f\x2f":
                    return payload, None
                if afl is None or not afl[1]:
                    raise DecodeError("mode 7 needs an AFL message counter and none was sent", where)
                if key is None:
                    raise DecodeError(f"no key for meter {t.id} (mode 7)", where, reason="missing_key")
                raise DecodeError(f"key for meter {t.id} is not AES-128", where, reason="wrong_key")
            mcl, counter, mac, mac_start = afl
            id_bytes = a_bytes[:4]
            enc_key, mac_key = mode7_keys(key, counter, id_bytes)
            if mac:
                expected = cmac(mac_key, bytes((mcl,)) + counter + body[mac_start:])[: len(mac)]
                if expected != mac:
                    raise DecodeError("AFL MAC mismatch: wrong key or altered telegram", where, reason="wrong_key")
            return self._plain_or_decrypted(t, payload, enc_len, enc_key, ZERO_IV, where, reuse=False), key
        if mode == 2:
            t.encryption = "mode2"
            blocks = (cfg >> 4) & 0x0F
            enc_len = blocks * 16 if blocks else len(payload) - len(payload) % 8
            if enc_len > len(payload) or enc_len == 0:
                raise DecodeError(f"CFG announces {enc_len} encrypted bytes but {len(payload)} follow", where)
            key = self._key_for(t.manufacturer, t.id)
            if key is not None and len(key) == 8:
                plain = des_cbc_decrypt(key, payload[:enc_len])
                if plain[:2] == b"\x2f\x2f":
                    t.decrypted = True
                    return plain + payload[enc_len:], key
            if payload[:2] == b"\x2f\x2f":  # archived plaintext (tried after the key, see mode 5)
                return payload, None
            if key is None:
                raise DecodeError(f"no key for meter {t.id} (mode 2 DES-CBC)", where, reason="missing_key")
            if len(key) != 8:
                raise DecodeError(f"key for meter {t.id} is not an 8-byte DES key (mode 2)", where,
                                  reason="wrong_key")
            raise DecodeError("decryption failed: wrong key (no 2F 2F check bytes)", where, reason="wrong_key")
        t.encryption = f"mode{mode}"
        if mode >= 16:
            return payload, None
        raise DecodeError(f"security mode {mode} is not supported", where, reason="unsupported")

    @staticmethod
    def _diehl_default(t: Telegram, payload: bytes, enc_len: int, iv: bytes, where: str) -> bytes | None:
        """A Diehl-group meter without a configured key may use the group's default OMS key; it
        counts only if the plaintext starts with 2F 2F, and an archived plaintext is taken as is."""
        if payload[:2] == b"\x2f\x2f":
            return payload
        try:
            plain = decrypt_checked(DIEHL_DEFAULT_KEY, iv, payload[:enc_len], where, True)
        except DecodeError:
            return None
        t.decrypted = True
        t.extra["key_source"] = "manufacturer default"
        return plain + payload[enc_len:]

    @staticmethod
    def _plain_or_decrypted(t: Telegram, payload: bytes, enc_len: int, key: bytes, iv: bytes, where: str,
                            reuse: bool = True) -> bytes:
        """Decrypt first; only if that fails the 2F 2F check may the payload be an archived
        plaintext (a ciphertext starting with 2F 2F by chance must still be decrypted).
        `reuse=False` for a key derived for this telegram alone (mode 7)."""
        try:
            plain = decrypt_checked(key, iv, payload[:enc_len], where, reuse)
        except DecodeError:
            if payload[:2] == b"\x2f\x2f":
                return payload
            raise
        t.decrypted = True
        return plain + payload[enc_len:]

    def _parse_and_learn(self, t: Telegram, payload: bytes) -> None:
        """Full parse; a clean one teaches the layout cache.

        A damaged tail (filler bytes, a cut-off last record) must not cost the good records in
        front of it; the damage is reported as a warning. Nothing parsed = a real error.
        """
        records: list[DataRecord] = []
        spans: list[tuple[Any, int, int]] = []
        warning = None
        try:
            parse_records(payload, 0, "application layer", records, spans)
        except DecodeError as exc:
            if not records:
                raise
            warning = f"records after #{len(records)} not decodable: {exc}"
            t.warnings.append(warning)
        t.records = records
        picks = fill_water_summary(t, records)
        if records:
            # A damaged tail lies outside every value span, so it is part of the skeleton: a
            # payload matching this plan has the same damage and earns the same warning.
            t._plan = self.layouts.learn(payload, records, spans, picks, warning)

    def _compact(self, t: Telegram, payload: bytes, where: str) -> None:
        start = 2 if payload[:2] == b"\x2f\x2f" else 0
        if len(payload) < start + 4:
            raise DecodeError("compact frame header truncated", f"{where}, offset {start}")
        signature, _data_crc = COMPACT_FAST.unpack_from(payload, start)
        headers = self.formats.lookup(t.manufacturer, t.id, signature)
        if headers is None:
            raise DecodeError(
                f"compact frame format 0x{signature:04X} unknown: no earlier full frame from meter {t.id}",
                where, reason="unknown_format",
            )
        plan = self.formats.plan(signature, headers, start + 4, len(payload))
        if plan is None:  # variable-length values or too few bytes: the full path says which
            t.records = self.formats.expand(headers, payload[start + 4 :], where)
            fill_water_summary(t)
        else:
            t._plan = plan
            plan.apply_summary(t, payload)


def _transport_header(t: Telegram, link: LinkFrame, body: bytes, pos: int, m_bytes: bytes,
                      a_bytes: bytes, where: str) -> tuple[int, int, bytes, bytes]:
    """The TPL header at `pos` (long, short or none): returns where the payload starts, the
    configuration word and the M/A bytes, which a long header replaces with the meter's own."""
    ci = body[pos]
    hdr_start = pos + 1
    n = len(body)
    cfg = 0
    if ci in LONG_TPL:
        if hdr_start + 12 > n:
            raise DecodeError("long TPL header truncated", f"{where}, offset {hdr_start}")
        id_b, m_field, version, dtype, acc, sts, cfg = LONG_TPL_FAST.unpack_from(body, hdr_start)
        if link.kind == "wmbus" and t.id is not None:
            t.radio_id = t.id
        t.id = id_from_bytes(id_b)
        t.manufacturer = code_to_letters(m_field)
        t.version = version
        t.device_type = dtype
        t.acc, t.sts = acc, sts
        m_bytes = body[hdr_start + 4 : hdr_start + 6]
        a_bytes = id_b + bytes((version, dtype))
        pos = hdr_start + 12
    elif ci in SHORT_TPL:
        if hdr_start + 4 > n:
            raise DecodeError("short TPL header truncated", f"{where}, offset {hdr_start}")
        acc, sts, cfg = SHORT_TPL_FAST.unpack_from(body, hdr_start)
        t.acc, t.sts = acc, sts
        pos = hdr_start + 4
    elif ci in NO_TPL:
        pos = hdr_start
    else:
        raise DecodeError(f"unsupported CI field 0x{ci:02X}", f"transport layer, offset {pos}", reason="unsupported")
    if t.device_type is not None:
        t.media = MEDIA.get(t.device_type, "reserved")  # media.media_name, inlined: every telegram
    if link.kind == "mbus" and t.id is None:
        raise DecodeError("wired M-Bus frame without a long TPL header carries no meter id", where)
    return pos, cfg, m_bytes, a_bytes


def _into(result: Telegram, target: Telegram | None) -> Telegram:
    """Copy a finished decode into the caller's telegram object (decode_safe passes one in)."""
    if target is None:
        return result
    for name in Telegram.__dataclass_fields__:
        setattr(target, name, getattr(result, name))
    return target


def _parse_afl(body: bytes, pos: int) -> tuple[tuple[int, bytes, bytes, int], int]:
    n = len(body)
    if pos + 4 > n:
        raise DecodeError("AFL header truncated", f"authentication layer, offset {pos}")
    length, fc = AFL_FAST.unpack_from(body, pos + 1)
    end = pos + 2 + length
    if end > n or length < 2:
        raise DecodeError(f"AFL length {length} runs past the frame", f"authentication layer, offset {pos}")
    i = pos + 4
    mcl = 0
    counter = b""
    if fc & 0x2000:  # message control present
        mcl = body[i]
        i += 1
    if fc & 0x0200:  # key information present
        i += 2
    if fc & 0x0800:  # message counter present
        counter = body[i : i + 4]
        i += 4
    if fc & 0x1000:  # message length present
        i += 2
    if i > end:
        raise DecodeError("AFL fields run past its length", f"authentication layer, offset {pos}")
    mac = body[i:end] if fc & 0x0400 else b""
    return (mcl, counter, mac, end), end


__all__ = ["DecodeError", "Decoder"]
