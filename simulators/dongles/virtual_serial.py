"""Virtual Amber AMB8465, Radiocrafts RC1180 and CUL: their command protocols as state machines.

Each keeps the settings a collector can read back and change (Amber's parameter block, the
RC1180's 256-byte memory, the CUL's reporting mode) because the output format depends on them:
a collector that forgets to switch the Amber to command output, or the CUL to X21, must see the
bare frames a real stick would then send. Layouts: dongles-and-link-layer.md §1.3-1.5.
"""

from __future__ import annotations

from typing import ClassVar

from simulators.dongles import AmberCommandMode, AmberTransparent, Cul, DongleEncoder, Rc1180, amber, text
from simulators.dongles.codec import xor_checksum
from simulators.dongles.virtual import VirtualDongle

AMBER_RECEIVES = {mode: frozenset(name.split("+")) for name, mode in amber.AMBER_MODES.items()}
CMD_RESET = 0x05
AMBER_SERIAL = 0x01020304
AMBER_FIRMWARE = (1, 3, 0)


class AmberDongle(VirtualDongle):
    """``FF CMD LEN payload XOR``; replies carry CMD | 0x80."""

    name = "amb8465"
    cmd_out: ClassVar[bool] = True

    def __init__(self) -> None:
        super().__init__()
        self._buf = bytearray()
        self.params = bytearray(amber.amber_default_params(cmd_out=self.cmd_out, rssi=True))

    def encoder(self) -> DongleEncoder:
        rssi = bool(self.params[amber.PARAM_RSSI_ENABLE])
        return AmberCommandMode(rssi=rssi) if self.params[amber.PARAM_CMD_OUT] else AmberTransparent(rssi=rssi)

    def feed(self, data: bytes) -> list[bytes]:
        self._buf += data
        replies = []
        while True:
            start = self._buf.find(amber.AMBER_START)
            if start < 0:
                self._buf.clear()
                return replies
            del self._buf[:start]
            if len(self._buf) < 4 or len(self._buf) < 4 + self._buf[2]:
                return replies
            size = 4 + self._buf[2]
            frame = bytes(self._buf[:size])
            del self._buf[:size]
            if xor_checksum(frame[:-1]) != frame[-1]:
                self.log.append(f"ignored command with a bad checksum: {frame.hex()}")
                continue
            reply = self._command(frame[1], frame[3:-1])
            if reply is not None:
                replies.append(reply)

    def _command(self, cmd: int, payload: bytes) -> bytes | None:
        if cmd == amber.CMD_SET_MODE and len(payload) == 1 and payload[0] in AMBER_RECEIVES:
            self.link_modes = AMBER_RECEIVES[payload[0]]
            self.log.append(f"set mode {payload[0]:#04x} ({'+'.join(sorted(self.link_modes))})")
            return amber.amber_set_mode_reply()
        if cmd == amber.CMD_SET_MODE:
            self.log.append(f"refused set mode {payload.hex()}")
            return amber.amber_set_mode_reply(0x01)
        if cmd == amber.CMD_GET_REQ and len(payload) == 2:
            offset, count = payload
            self.log.append(f"get parameters {offset}+{count}")
            return amber.amber_get_req_reply(bytes(self.params[offset:offset + count]), offset)
        if cmd == amber.CMD_SET_REQ and len(payload) >= 2 and len(payload) == 2 + payload[1]:
            offset, count = payload[0], payload[1]
            if offset + count > len(self.params):
                self.log.append(f"refused set parameters {offset}+{count}: beyond the block")
                return amber.amber_reply(amber.CMD_SET_REQ, b"\x01")
            self.params[offset:offset + count] = payload[2:]
            self.log.append(f"set parameters {offset}+{count} = {payload[2:].hex()} (applied at reset)")
            return amber.amber_reply(amber.CMD_SET_REQ, b"\x00")
        if cmd == CMD_RESET:
            mode = self.params[amber.PARAM_MODE_PRESELECT]
            self.link_modes = AMBER_RECEIVES.get(mode, frozenset())
            self.log.append(f"reset: mode preselect {mode:#04x}")
            return amber.amber_reply(CMD_RESET, b"\x00")
        if cmd == amber.CMD_SERIALNO:
            self.log.append("serial number")
            return amber.amber_serialno_reply(AMBER_SERIAL)
        if cmd == amber.CMD_FWV:
            self.log.append("firmware version")
            return amber.amber_fwv_reply(*AMBER_FIRMWARE)
        self.log.append(f"ignored command {cmd:#04x} {payload.hex()}")
        return None


class AmberTransparentDongle(AmberDongle):
    """The factory default: UART_CMD_Out_Enable = 0, telegrams without a command frame."""

    name = "amb8465-transparent"
    cmd_out = False


RC1180_RECEIVES = {0x01: frozenset({"T1"}), 0x09: frozenset({"C1"}), 0x0A: frozenset({"C1", "T1"})}
RC_CONFIG_ENTER, RC_DUMP, RC_WRITE, RC_EXIT, RC_WRITE_END = 0x00, ord("0"), ord("M"), ord("X"), 0xFF


class Rc1180Dongle(VirtualDongle):
    """``00`` enters configuration (prompt ``>``); ``0`` dumps memory; ``M addr val … FF`` writes
    it; ``X`` leaves and starts receiving in MBUS_MODE (T1 for the factory memory)."""

    name = "rc1180"

    def __init__(self) -> None:
        super().__init__()
        self.memory = bytearray(amber.rc1180_memory())
        self.config_mode = False
        self._write: bytearray | None = None

    def encoder(self) -> DongleEncoder:
        return Rc1180()

    def feed(self, data: bytes) -> list[bytes]:
        replies = []
        for byte in data:
            if self._write is not None:
                if byte == RC_WRITE_END:
                    replies.append(self._apply(bytes(self._write)))
                    self._write = None
                else:
                    self._write.append(byte)
            elif not self.config_mode:
                if byte == RC_CONFIG_ENTER:
                    self.config_mode, self.link_modes = True, frozenset()
                    self.log.append("configuration mode")
                    replies.append(amber.rc1180_config_prompt())
                else:
                    self.log.append(f"ignored byte {byte:#04x} outside configuration mode")
            elif byte == RC_DUMP:
                self.log.append("memory dump")
                replies.append(amber.rc1180_memory_dump_reply(bytes(self.memory)))
            elif byte == RC_WRITE:
                self._write = bytearray()
            elif byte == RC_EXIT:
                self.config_mode = False
                mode = self.memory[amber.RC_MBUS_MODE]
                self.link_modes = RC1180_RECEIVES.get(mode, frozenset())
                self.log.append(f"left configuration mode: MBUS_MODE {mode:#04x}")
            else:
                self.log.append(f"ignored configuration command {byte:#04x}")
        return replies

    def _apply(self, pairs: bytes) -> bytes:
        if len(pairs) % 2:
            self.log.append(f"refused memory write {pairs.hex()}: odd number of bytes")
            return amber.RC1180_PROMPT
        for addr, value in zip(pairs[::2], pairs[1::2], strict=True):
            self.memory[addr] = value
        self.log.append(f"memory write {pairs.hex()}")
        return amber.RC1180_PROMPT


CUL_RECEIVES = {"brs": ("S1", frozenset({"S1"})), "brt": ("T1", frozenset({"T1"})),
                "brc": ("C1", frozenset({"C1", "T1"}))}


class CulDongle(VirtualDongle):
    """ASCII commands ending in CR LF: ``V``, ``br<m>``, ``X21``/``X01``."""

    name = "cul"

    def __init__(self) -> None:
        super().__init__()
        self._buf = bytearray()
        self.report_rssi = True  # culfw keeps X21 between sessions; the collector sets it anyway

    def encoder(self) -> DongleEncoder:
        return Cul(report_rssi=self.report_rssi)

    def feed(self, data: bytes) -> list[bytes]:
        self._buf += data
        replies = []
        while (end := self._buf.find(b"\n")) >= 0:
            line = bytes(self._buf[:end]).strip(b"\r ").decode("ascii", "replace")
            del self._buf[:end + 1]
            reply = self._command(line)
            if reply:
                replies.append(reply)
        return replies

    def _command(self, line: str) -> bytes:
        if not line:
            return b""
        if line == "V":
            self.log.append("version")
            return text.CUL_DEFAULT_VERSION
        if line in CUL_RECEIVES:
            shown, self.link_modes = CUL_RECEIVES[line]
            self.log.append(f"receive {'+'.join(sorted(self.link_modes))}")
            return text.CUL_MODE_REPLIES[shown]
        if line.startswith("br"):
            self.link_modes = frozenset()
            self.log.append("receive off")
            return b""
        if line in ("X21", "X01"):
            self.report_rssi = line == "X21"
            self.log.append(f"reporting {'with' if self.report_rssi else 'without'} LQI and RSSI")
            return b""
        self.log.append(f"ignored command {line!r}")
        return b""
