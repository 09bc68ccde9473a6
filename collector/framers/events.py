"""Events a framer emits: the only vocabulary shared by framers, dongle control and the van service.

Framers are sans-IO (as in h11): ``feed(bytes) -> list[Event]`` and ``close() -> list[Event]`` at the
end of the input. Nothing here reads a port or a clock; the receive time is stamped by the I/O edge.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Frame:
    """One link-layer frame as the radio heard it.

    ``frame`` is ``L C M M A A A A A A …`` with every link-layer CRC removed and ``L = len(frame) - 1``,
    whatever the stick delivered. RSSI is in dBm on the stick's own scale (see each framer); sticks
    that do not report it give ``None``, as do link mode and frame format.
    """

    frame: bytes
    rssi_dbm: float | None = None
    link_mode: str | None = None  # "T1", "C1", "S1", … when the stick says so
    frame_format: str | None = None  # "A" or "B" when known


@dataclass(frozen=True, slots=True)
class CommandReply:
    """A reply to a host command (or an unsolicited status message) from the stick.

    ``command`` is the stick's own message identifier (e.g. ``(endpoint, msg_id)`` for IMST, the Amber
    command byte, or the text line for CUL/RC1180 prompts); ``ok`` is False when its checksum failed.
    """

    dongle: str
    command: object
    payload: bytes
    ok: bool = True


@dataclass(frozen=True, slots=True)
class Counter:
    """A fault the framer counted instead of raising: the service adds ``count`` to ``name``.

    Names in use: ``garbage_bytes``, ``checksum_errors`` (stick checksum or link-layer CRC),
    ``resyncs``, ``truncated`` (a frame or line cut short), ``bad_lines`` (a text line that is not a
    frame), ``oversize`` (a length beyond what the format allows).
    """

    name: str
    count: int = 1


Event = Frame | CommandReply | Counter
