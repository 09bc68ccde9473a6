"""Simulated dongle byte streams: the exact serial output of each receiver, with faults on demand.

The collector's framers must prove "nothing lost": every telegram a dongle delivered intact
is recovered, whatever noise surrounds it. This module turns a sequence of heard telegrams
into the byte stream a given dongle writes, and can inject the faults seen in the field
(garbage, truncated frames, bad CRCs/checksums, command replies between telegrams, a dongle
that falls silent). It is sans-IO and deterministic: the same inputs and seed give the same
bytes and the same fault log, which records every injected fault so a framer test can check
exactly which frames must come out.

The per-dongle byte layouts live in :mod:`simulators.dongles.imst`, :mod:`simulators.dongles.amber`
and :mod:`simulators.dongles.text`, each citing the vendor's datasheet it follows.
"""

from __future__ import annotations

import random
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import ClassVar

from simulators.dongles import amber, imst, text
from simulators.dongles.codec import cc1101_raw, im871a_raw, rc1180_raw

FAULT_KINDS = ("silence", "garbage", "reply", "truncate", "bad_check")


@dataclass(frozen=True)
class Reception:
    """How one telegram was heard: what the dongle adds around the frame."""

    rssi_dbm: float = -70.0
    link_mode: str = "T1"  # T1, C1 or S1
    frame_format: str = "A"  # format on air; only the CUL and iU891A show it
    at: datetime = datetime(2026, 1, 1, tzinfo=UTC)
    lqi: int = 3  # CC1101 LQI (lower is better); the CUL also sets bit 7 = CRC_OK


@dataclass(frozen=True)
class Encoded:
    """One telegram as the dongle writes it, and where its integrity-check bytes sit."""

    data: bytes
    check_offsets: tuple[int, ...] = ()


class DongleEncoder(ABC):
    """What fault injection needs to know about one dongle's output."""

    name: ClassVar[str]
    eol: ClassVar[bytes] = b""  # line terminator for text dongles; truncation keeps it
    garbage_excludes: ClassVar[frozenset[int]] = frozenset()  # sync bytes garbage must not fake

    @abstractmethod
    def telegram(self, frame: bytes, rx: Reception) -> Encoded:
        """Bytes for one CRC-free frame ``L C M A CI ...``."""

    def replies(self) -> tuple[bytes, ...]:
        """Command replies that can turn up between telegrams (late or unsolicited)."""
        return ()

    def corrupt(self, data: bytes, offset: int, rng: random.Random) -> bytes:
        """Change the byte at ``offset`` so the check fails but the framing stays intact."""
        out = bytearray(data)
        choices = [v for v in range(256) if v != data[offset] and v not in self.garbage_excludes]
        out[offset] = rng.choice(choices)
        return bytes(out)

    def garbage(self, rng: random.Random, size: int) -> bytes:
        """Noise bytes; they avoid the start/sync bytes so a resyncing framer can recover."""
        alphabet = [v for v in range(256) if v not in self.garbage_excludes]
        return bytes(rng.choice(alphabet) for _ in range(size)) + self.eol


class Im871a(DongleEncoder):
    """IMST iM871A: HCI WMBUSMSG_IND with RSSI and (by default) CRC-16/X-25."""

    name = "im871a"
    garbage_excludes = frozenset({0xA5})

    def __init__(self, *, crc: bool = True, rssi: bool = True) -> None:
        self.crc, self.rssi = crc, rssi

    def telegram(self, frame: bytes, rx: Reception) -> Encoded:
        raw = im871a_raw(rx.rssi_dbm) if self.rssi else None
        data = imst.im871a_telegram(frame, rssi_raw=raw, crc=self.crc)
        return Encoded(data, (len(data) - 2, len(data) - 1) if self.crc else ())

    def replies(self) -> tuple[bytes, ...]:
        return (imst.im871a_ping_reply(), imst.im871a_set_config_reply(), imst.im871a_device_info_reply())


class Iu891a(DongleEncoder):
    """IMST iU891A: SLIP-framed RX_MESSAGE_IND, always with CRC-16/X-25."""

    name = "iu891a"
    garbage_excludes = frozenset({0xC0, 0xDB})

    def telegram(self, frame: bytes, rx: Reception) -> Encoded:
        info = imst.iu891a_info_byte(rx.link_mode, rx.frame_format)
        data = imst.iu891a_telegram(frame, rssi_dbm=round(rx.rssi_dbm), unix_time=int(rx.at.timestamp()), info=info)
        # The CRC is the last two logical bytes; an escaped one (DB xx) is left alone.
        offsets = tuple(i for i in (len(data) - 3, len(data) - 2) if data[i - 1] != 0xDB and data[i] != 0xDB)
        return Encoded(data, offsets)

    def replies(self) -> tuple[bytes, ...]:
        return (imst.iu891a_ping_reply(), imst.iu891a_set_active_config_reply())


class AmberCommandMode(DongleEncoder):
    """Amber AMB8465 with UART_CMD_Out_Enable = 1: CMD_DATA_IND frames with XOR checksum."""

    name = "amb8465"
    garbage_excludes = frozenset({amber.AMBER_START})

    def __init__(self, *, rssi: bool = True) -> None:
        self.rssi = rssi

    def telegram(self, frame: bytes, rx: Reception) -> Encoded:
        data = amber.amber_command_mode_telegram(frame, rssi_raw=cc1101_raw(rx.rssi_dbm) if self.rssi else None)
        return Encoded(data, (len(data) - 1,))

    def replies(self) -> tuple[bytes, ...]:
        return (amber.amber_set_mode_reply(), amber.amber_fwv_reply(1, 3, 0), amber.amber_serialno_reply(0x01020304))


class AmberTransparent(AmberCommandMode):
    """Amber AMB8465 in transparent mode: bare ``L' C ... [RSSI]``, no checksum at all.

    Command replies still arrive as ``FF`` frames, so garbage avoids 0xFF, and C-field
    values 0x44/0x46 so that garbage never looks like the start of a telegram.
    """

    name = "amb8465-transparent"
    garbage_excludes = frozenset({amber.AMBER_START, 0x44, 0x46})

    def telegram(self, frame: bytes, rx: Reception) -> Encoded:
        return Encoded(amber.amber_transparent_telegram(frame, rssi_raw=cc1101_raw(rx.rssi_dbm) if self.rssi else None))


class Rc1180(DongleEncoder):
    """Radiocrafts RC1180-MBUS with RSSI_MODE = 1: ``L' C M A ... RSSI``, no checksum.

    It has no interleavable replies: it does not receive while in configuration mode.
    """

    name = "rc1180"
    garbage_excludes = frozenset({0x44, 0x46})

    def telegram(self, frame: bytes, rx: Reception) -> Encoded:
        return Encoded(amber.rc1180_telegram(frame, rssi_raw=rc1180_raw(rx.rssi_dbm)))


_HEX_UPPER = b"0123456789ABCDEF"
_TEXT_EXCLUDES = frozenset(b"0123456789abcdefABCDEFbxY;\r\n")


class Cul(DongleEncoder):
    """CUL/nanoCUL with X21 reporting: raw frames with their CRCs, then LQI and RSSI, as hex."""

    name = "cul"
    eol = text.CUL_EOL
    garbage_excludes = _TEXT_EXCLUDES

    def __init__(self, *, report_rssi: bool = True) -> None:
        self.report_rssi = report_rssi  # X21 (LQI and RSSI appended) or X01 (bare frame)

    def telegram(self, frame: bytes, rx: Reception) -> Encoded:
        fmt = "B" if rx.frame_format == "B" else "A"
        if not self.report_rssi:
            data = text.cul_line(frame, frame_format=fmt)
            return Encoded(data, text.cul_crc_char_offsets(frame, frame_format=fmt))
        status = 0x80 | (rx.lqi & 0x7F)
        data = text.cul_line(frame, frame_format=fmt, status=status, rssi_raw=cc1101_raw(rx.rssi_dbm))
        return Encoded(data, text.cul_crc_char_offsets(frame, frame_format=fmt))

    def corrupt(self, data: bytes, offset: int, rng: random.Random) -> bytes:
        out = bytearray(data)
        out[offset] = rng.choice([c for c in _HEX_UPPER if c != data[offset]])
        return bytes(out)

    def replies(self) -> tuple[bytes, ...]:
        return (text.CUL_MODE_REPLIES["T1"], text.CUL_MODE_REPLIES["C1"], text.CUL_DEFAULT_VERSION)


def rtl_magnitude(dbm: float) -> int:
    """An arbitrary monotone map from dBm to rtl_wmbus' linear IQ magnitude (not dBm).

    -80 dBm gives 100, each 20 dB is a factor of 10; floored at 5, below which rtl_wmbus
    abandons the packet.
    """
    return max(5, round(10 ** ((dbm + 120.0) / 20.0)))


class RtlWmbus(DongleEncoder):
    """rtl_wmbus text lines; a "bad CRC" is a line printed with CRC_OK = 0."""

    name = "rtl_wmbus"
    eol = b"\n"
    garbage_excludes = _TEXT_EXCLUDES

    def telegram(self, frame: bytes, rx: Reception) -> Encoded:
        mag = rtl_magnitude(rx.rssi_dbm)
        data = text.rtl_wmbus_line(frame, mode=rx.link_mode, at=rx.at, packet_rssi=mag, current_rssi=mag + mag // 2)
        return Encoded(data, (len(rx.link_mode) + 1,))

    def corrupt(self, data: bytes, offset: int, rng: random.Random) -> bytes:
        out = bytearray(data)
        out[offset] = ord("0")
        return bytes(out)


class HexLines(DongleEncoder):
    """Plain hex lines (``hextty``): CRC-free frames, no RSSI, no checksum, no commands."""

    name = "hex"
    eol = b"\n"
    garbage_excludes = _TEXT_EXCLUDES

    def telegram(self, frame: bytes, rx: Reception) -> Encoded:
        return Encoded(text.hex_line(frame))


ENCODERS: Mapping[str, Callable[[], DongleEncoder]] = {
    cls.name: cls for cls in (Im871a, Iu891a, AmberCommandMode, AmberTransparent, Rc1180, Cul, RtlWmbus, HexLines)
}


@dataclass(frozen=True)
class Faults:
    """Which faults to inject: per-frame probabilities and/or an explicit schedule.

    ``schedule`` maps a frame index to fault kinds (see ``FAULT_KINDS``) applied to that frame
    on top of the random ones. Faults that a dongle cannot show (e.g. a bad checksum on a
    dongle without one) are skipped and not logged.
    """

    garbage: float = 0.0
    reply: float = 0.0
    truncate: float = 0.0
    bad_check: float = 0.0
    silence: float = 0.0
    garbage_max: int = 24
    silence_s: float = 60.0
    schedule: Mapping[int, frozenset[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for kinds in self.schedule.values():
            unknown = set(kinds) - set(FAULT_KINDS)
            if unknown:
                raise ValueError(f"unknown fault kinds {sorted(unknown)}; known: {FAULT_KINDS}")


@dataclass(frozen=True)
class Chunk:
    """One write of the dongle: a telegram, garbage or a command reply."""

    at: datetime
    data: bytes
    kind: str  # "telegram", "garbage" or "reply"
    frame_index: int | None = None
    intact: bool = True


@dataclass(frozen=True)
class FaultRecord:
    """One injected fault: what, on which input frame, and where in the byte stream."""

    kind: str
    frame_index: int
    offset: int
    length: int
    detail: str = ""


@dataclass(frozen=True)
class DongleStream:
    """The simulated serial output plus the ground truth about it."""

    dongle: str
    chunks: tuple[Chunk, ...]
    faults: tuple[FaultRecord, ...]

    @property
    def data(self) -> bytes:
        return b"".join(c.data for c in self.chunks)

    def intact_frames(self) -> tuple[int, ...]:
        """Indices of the input frames delivered unharmed: what a framer must recover."""
        return tuple(
            c.frame_index for c in self.chunks if c.kind == "telegram" and c.intact and c.frame_index is not None
        )


def _wants(kind: str, index: int, faults: Faults, rng: random.Random) -> bool:
    """One draw per kind per frame, always taken, so the schedule never shifts the randomness."""
    drawn = rng.random() < getattr(faults, kind)
    return drawn or kind in faults.schedule.get(index, frozenset())


def build_stream(
    encoder: DongleEncoder,
    heard: Sequence[tuple[bytes, Reception]],
    faults: Faults | None = None,
    seed: int = 0,
) -> DongleStream:
    """Render heard telegrams (in time order) as ``encoder``'s byte stream, injecting faults.

    ``Chunk.at`` carries the reception time so a pty writer can pace the output. On dongles
    without any check bytes (Amber transparent, RC1180, hex lines) a truncated frame is only
    recognisable by the pause after it; a framer that ignores timing may lose the next frame too.
    """
    faults = faults or Faults()
    rng = random.Random(seed)
    chunks: list[Chunk] = []
    log: list[FaultRecord] = []
    offset = 0
    silent_until: datetime | None = None
    silence_pos = -1  # position in ``log`` of the silence in force
    dropped: dict[int, list[int]] = {}  # silence record position -> frames it swallowed
    replies = encoder.replies()

    def emit(chunk: Chunk) -> int:
        nonlocal offset
        chunks.append(chunk)
        start, offset = offset, offset + len(chunk.data)
        return start

    for index, (frame, rx) in enumerate(heard):
        wants = {kind: _wants(kind, index, faults, rng) for kind in FAULT_KINDS}
        if silent_until is not None and rx.at < silent_until:
            dropped[silence_pos].append(index)
            continue
        if wants["silence"]:
            silent_until = rx.at + timedelta(seconds=faults.silence_s)
            silence_pos = len(log)
            dropped[silence_pos] = [index]
            log.append(FaultRecord("silence", index, offset, 0, f"{faults.silence_s:g}s"))
            continue
        if wants["garbage"]:
            junk = encoder.garbage(rng, rng.randint(1, faults.garbage_max))
            start = emit(Chunk(rx.at, junk, "garbage", index, intact=False))
            log.append(FaultRecord("garbage", index, start, len(junk), "before frame"))
        if wants["reply"] and replies:
            reply = rng.choice(replies)
            start = emit(Chunk(rx.at, reply, "reply", index))
            log.append(FaultRecord("reply", index, start, len(reply), reply.hex()))
        encoded = encoder.telegram(frame, rx)
        data, intact = encoded.data, True
        if wants["truncate"]:
            body = data[: len(data) - len(encoder.eol)]
            cut = rng.randint(1, len(body) - 1)
            data, intact = body[:cut] + encoder.eol, False
            log.append(FaultRecord("truncate", index, offset, len(data), f"kept {cut} of {len(body)} bytes"))
        elif wants["bad_check"] and encoded.check_offsets:
            at = rng.choice(encoded.check_offsets)
            data, intact = encoder.corrupt(data, at, rng), False
            detail = f"byte {at}: {encoded.data[at]:02X}->{data[at]:02X}"
            log.append(FaultRecord("bad_check", index, offset + at, 1, detail))
        emit(Chunk(rx.at, data, "telegram", index, intact))
    for pos, frames in dropped.items():
        rec = log[pos]
        log[pos] = FaultRecord(rec.kind, rec.frame_index, rec.offset, 0, f"{rec.detail}; dropped {frames}")
    return DongleStream(encoder.name, tuple(chunks), tuple(log))
