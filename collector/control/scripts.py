"""What to say to each stick, in order: probe, configure, reset (from each vendor's host protocol).

A script is a list of `Step`s: the bytes to write and a test that recognises the stick's answer. A
step without a test needs no answer (the CUL's ``X21``, the RC1180 leaving configuration mode).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from collector.framers.amber import (
    AMBER_MODES,
    PARAM_CMD_OUT,
    PARAM_PRESELECT,
    PARAM_RSSI,
    AmberCommands,
)
from collector.framers.cul import CulCommands
from collector.framers.events import CommandReply
from collector.framers.imst import IU891A_LINK_MODES, Im871aCommands, Iu891aCommands
from collector.framers.rc1180 import MEM_MODE, MEM_RSSI_MODE, RC1180_MODES, Rc1180Commands

Reply = Callable[[CommandReply], bool]


@dataclass(frozen=True)
class Step:
    what: str
    data: bytes
    answer: Reply | None = None
    expect_bytes: int = 0  # RC1180 replies have no frame: the framer is told how many bytes come
    timeout_s: float = 1.0


def _imst(ep: int, msg: int) -> Reply:
    return lambda r: r.command == (ep, msg)


def _amber(cmd: int) -> Reply:
    return lambda r: r.command == cmd | 0x80 and (cmd in (0x0A, 0x0B, 0x0C) or r.payload[:1] == b"\x00")


def _cul(pred: Callable[[str], bool]) -> Reply:
    return lambda r: isinstance(r.command, str) and pred(r.command)


def _prompt(r: CommandReply) -> bool:
    return r.command == "prompt" and r.ok


# Serial speeds at the sticks' factory settings (datasheets).
BAUD = {"im871a": 57600, "iu891a": 115200, "amb8465": 9600, "amb8465-transparent": 9600, "rc1180": 19200,
        "cul": 38400, "rtl-wmbus": 0, "rtl433": 0, "hex": 0, "raw": 0}
# Auto-detection order: the Amber first (an iM871A probe would confuse it for a second), then the rest.
PROBE_ORDER = ("amb8465", "im871a", "rc1180", "cul", "iu891a")
PASSIVE = frozenset({"rtl-wmbus", "rtl433", "hex", "raw"})


def probe(dongle: str) -> list[Step]:
    return {
        "im871a": [Step("device info", Im871aCommands.device_info(), _imst(1, 0x10))],
        "iu891a": [Step("wake up", Iu891aCommands.wake_up()),
                   Step("device info", Iu891aCommands.device_info(), _imst(1, 0x04))],
        "amb8465": [Step("serial number", AmberCommands.serial_number(), _amber(0x0B))],
        "amb8465-transparent": [Step("serial number", AmberCommands.serial_number(), _amber(0x0B))],
        # 'X' first: another stick's probe may contain a 00 byte, which puts an RC1180 in configuration mode
        "rc1180": [Step("leave configuration mode", Rc1180Commands.leave_config()),
                   Step("configuration mode", Rc1180Commands.enter_config(), _prompt, expect_bytes=1)],
        "cul": [Step("version", CulCommands.version(), _cul(lambda s: "CUL" in s))],
    }.get(dongle, [])


def configure(dongle: str, mode: str) -> list[Step]:
    """Steps that leave the stick receiving ``mode`` (T1, C1, C1T1, S1) with RSSI reported."""
    if dongle == "im871a":
        return [Step(f"link mode {mode}", Im871aCommands.set_link_mode(mode), _imst(1, 0x04))]
    if dongle == "iu891a":
        return [Step(f"link mode {mode}", Iu891aCommands.set_link_mode(mode), _imst(9, 0x04))]
    if dongle in ("amb8465", "amb8465-transparent"):
        out = 0 if dongle == "amb8465-transparent" else 1
        return [Step("command output" if out else "transparent output", AmberCommands.set_parameter(PARAM_CMD_OUT, out),
                     _amber(0x09)),
                Step("RSSI on", AmberCommands.set_parameter(PARAM_RSSI, 1), _amber(0x09)),
                Step(f"preselect {mode}", AmberCommands.set_parameter(PARAM_PRESELECT, AMBER_MODES[mode]),
                     _amber(0x09)),
                Step("reset to apply", AmberCommands.reset(), _amber(0x05), timeout_s=2.0),
                Step(f"mode {mode}", AmberCommands.set_mode(mode), _amber(0x04))]
    if dongle == "rc1180":
        return [Step("leave configuration mode", Rc1180Commands.leave_config()),
                Step("configuration mode", Rc1180Commands.enter_config(), _prompt, expect_bytes=1),
                Step(f"MBUS_MODE {mode}, RSSI on",
                     Rc1180Commands.write_memory({MEM_MODE: RC1180_MODES[mode], MEM_RSSI_MODE: 1}), _prompt,
                     expect_bytes=1),
                Step("leave configuration mode", Rc1180Commands.leave_config())]
    if dongle == "cul":
        return [Step("RSSI reporting", CulCommands.report_rssi()),
                Step(f"receive {mode}", CulCommands.set_link_mode(mode), _cul(lambda s: s.endswith("MODE")))]
    return []


def reset(dongle: str) -> list[Step]:
    if dongle == "im871a":
        return [Step("reset", Im871aCommands.reset(), _imst(1, 0x08), timeout_s=3.0)]
    if dongle == "iu891a":
        return [Step("wake up", Iu891aCommands.wake_up())]
    if dongle == "cul":
        return [Step("receive off", CulCommands.off())]
    return []


def supported_modes(dongle: str) -> frozenset[str]:
    """Link modes each stick can receive (C1+T1 needs iM871A firmware ≥ 0x14; the CUL's ``brc`` is C+T)."""
    return {
        "im871a": frozenset({"T1", "C1", "C1T1", "S1"}),
        "iu891a": frozenset(IU891A_LINK_MODES),
        "amb8465": frozenset(AMBER_MODES),
        "amb8465-transparent": frozenset(AMBER_MODES),
        "rc1180": frozenset(RC1180_MODES),
        "cul": frozenset({"T1", "C1T1", "S1"}),
    }.get(dongle, frozenset({"T1", "C1", "C1T1", "S1"}))


SCRIPTS = {"probe": probe, "configure": configure, "reset": reset}
