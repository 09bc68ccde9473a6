"""Virtual dongles on real pseudo-terminals, driven with pyserial like a collector would.

Each test runs the stick's command exchange with the request bytes of the vendors' host protocols
(IMST HCI, Amber command mode, Radiocrafts config mode, culfw), then reads the drive's telegrams and checks they
are exactly the bytes the dongle stream builder gives for the link modes that were selected.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import serial
from typer.testing import CliRunner

import cli_simulate
from simulators.dongles import (
    ENCODERS,
    AmberTransparent,
    Cul,
    DongleEncoder,
    Faults,
    Reception,
    amber,
    build_stream,
    imst,
)
from simulators.dongles.codec import crc16_x25
from simulators.dongles.pty import VIRTUAL_DONGLES, PtyDongleServer
from simulators.dongles.virtual_imst import IM871A_IDENTITY, Im871aDongle, Iu891aDongle
from simulators.dongles.virtual_serial import AmberDongle, CulDongle, Rc1180Dongle
from simulators.drive import Drive, DriveSpec, simulate_drive
from simulators.drive.nmea import parse_position
from simulators.drive.output import nmea_schedule
from simulators.town.consumption import simulate
from simulators.town.population import build_town

runner = CliRunner()
Heard = list[tuple[bytes, Reception]]


@pytest.fixture(scope="module")
def drive() -> Drive:
    town = build_town(150, 21, dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    return simulate_drive(town, simulate(town, 21), DriveSpec(day=dt.date(2026, 10, 30), seed=2))


def _only(heard: Heard, modes: set[str]) -> Heard:
    return [(f, rx) for f, rx in heard if rx.link_mode in modes]


class Served:
    def __init__(self, server: PtyDongleServer) -> None:
        self.server = server
        self.thread = threading.Thread(target=server.serve, daemon=True)
        self.thread.start()

    def finish(self) -> None:
        self.thread.join(timeout=10)
        assert not self.thread.is_alive(), "the server did not exit after the client closed the port"


@pytest.fixture
def serve(drive: Drive) -> Iterator:
    started: list[Served] = []

    def start(name: str, faults: Faults | None = None, nmea: bool = False) -> Served:
        server = PtyDongleServer(VIRTUAL_DONGLES[name](), drive.receptions(), speed=None, faults=faults, seed=3,
                                 nmea=nmea_schedule(drive) if nmea else None, exit_when_done=True)
        started.append(Served(server))
        return started[-1]

    yield start
    for s in started:
        s.server.stop()
        s.thread.join(timeout=5)


def _read_all(port: serial.Serial) -> bytes:
    data = b""
    while chunk := port.read(65536):
        data += chunk
    return data


def _exchange(port: serial.Serial, request: bytes, reply_len: int) -> bytes:
    port.write(request)
    return port.read(reply_len)


def _check_stream(got: bytes, encoder: DongleEncoder, heard: Heard, faults: Faults | None = None) -> None:
    expected = build_stream(encoder, heard, faults, 3).data
    assert len(heard) > 50
    assert got == expected, f"{len(got)} bytes read, {len(expected)} expected"


def test_im871a_detection_configuration_and_t1_stream(serve, drive: Drive) -> None:
    s = serve("im871a")
    with serial.Serial(s.server.path, 57600, timeout=0.5) as port:
        info = _exchange(port, bytes.fromhex("A5010F00"), 14)
        assert info == imst.im871a_device_info_reply(IM871A_IDENTITY)
        assert info[:8] == bytes.fromhex("A581100833001501")  # module iM871A, collector, firmware 0x15
        assert _exchange(port, bytes.fromhex("A5010100"), 6) == bytes.fromhex("A581 0200 4CA3")
        config = _exchange(port, bytes.fromhex("A5010500"), 29)
        assert config[:4] == bytes.fromhex("A5810617") and config[6] == 0x07  # C1b until told otherwise
        # wmbusmeters' SET_CONFIG for T1, with the CRC flag as the reference quotes it.
        assert _exchange(port, bytes.fromhex("A58103060002033001 00E346"), 7) == \
            imst.im871a_set_config_reply(0)
        got = _read_all(port)
    s.finish()
    t1 = _only(drive.receptions(), {"T1"})
    assert len(t1) < len(drive.receptions())  # the Kamstrup C1 meters are not heard in T1
    _check_stream(got, ENCODERS["im871a"](), t1)
    assert s.server.report.telegrams_written == len(t1)
    assert "set config: link mode 0x03 (T1), rssi on" in s.server.dongle.log


def test_im871a_ignores_bad_crc_and_answers_across_split_writes() -> None:
    dongle = Im871aDongle()
    request = bytes.fromhex("A58103060002 0A3001 00".replace(" ", ""))
    good = request + crc16_x25(request[1:]).to_bytes(2, "little")
    bad = good[:-1] + bytes([good[-1] ^ 0xFF])
    assert dongle.feed(b"\x00\x17" + bad) == []
    assert "bad CRC" in dongle.log[-1] and not dongle.link_modes
    replies = [r for b in good for r in dongle.feed(bytes([b]))]
    assert replies == [imst.im871a_set_config_reply(0)] and dongle.link_modes == {"C1", "T1"}
    assert dongle.feed(bytes.fromhex("A50103060002 7F 300100".replace(" ", ""))) == [imst.im871a_set_config_reply(1)]
    assert "unknown link mode 0x7f" in dongle.log[-1] and dongle.link_modes == {"C1", "T1"}


def test_iu891a_wake_detect_configure_and_stream(serve, drive: Drive) -> None:
    s = serve("iu891a")
    with serial.Serial(s.server.path, 115200, timeout=0.5) as port:
        port.write(b"\xc0" * 30)
        info = _exchange(port, bytes.fromhex("C001030424C0"), 12)
        assert info[:4] == bytes.fromhex("C0010400") and info[4] == 0x6E
        address = _exchange(port, bytes.fromhex("C00981DE4DC0"), 15)
        assert address[:4] == bytes.fromhex("C0098200")
        reply = _exchange(port, bytes.fromhex("C00903" "03" "0600" "0000" "0000" "00000000" "A176C0"), 7)
        assert reply == imst.iu891a_set_active_config_reply()
        got = _read_all(port)
    s.finish()
    _check_stream(got, ENCODERS["iu891a"](), drive.receptions())


def test_iu891a_rejects_unknown_commands_with_a_status() -> None:
    dongle = Iu891aDongle()
    replies = dongle.feed(imst.iu891a_frame(imst.SAP_DEVMGMT, 0x55, b"\x01"))
    assert replies == [imst.iu891a_frame(imst.SAP_DEVMGMT, 0x56, status=10)]
    assert dongle.feed(imst.iu891a_set_active_config_request(2, options=0)) == \
        [imst.iu891a_set_active_config_reply()]
    assert not dongle.link_modes  # RX notifications off: nothing is delivered


def test_amber_command_mode_then_transparent_after_reset(serve, drive: Drive) -> None:
    s = serve("amb8465")
    with serial.Serial(s.server.path, 9600, timeout=0.5) as port:
        params = _exchange(port, bytes.fromhex("FF0A02008077"), 126)
        assert params[:5] == bytes.fromhex("FF8A7A0078") and params[5 + amber.PARAM_CMD_OUT] == 1
        assert _exchange(port, bytes.fromhex("FF0B00F4"), 8)[:3] == bytes.fromhex("FF8B04")
        # UART_CMD_Out_Enable = 0, then RESET: the preselected C/T mode, transparent output.
        assert _exchange(port, amber.amber_command(amber.CMD_SET_REQ, bytes.fromhex("050100")), 5) == \
            amber.amber_reply(amber.CMD_SET_REQ, b"\x00")
        assert _exchange(port, bytes.fromhex("FF0500FA"), 5) == amber.amber_reply(0x05, b"\x00")
        got = _read_all(port)
    s.finish()
    _check_stream(got, AmberTransparent(rssi=True), drive.receptions())


def test_amber_set_mode_c1_only(serve, drive: Drive) -> None:
    s = serve("amb8465", faults=Faults(garbage=0.05, bad_check=0.05, reply=0.05))
    with serial.Serial(s.server.path, 9600, timeout=0.5) as port:
        assert _exchange(port, bytes.fromhex("FF04010EF4"), 5) == amber.amber_set_mode_reply()
        got = _read_all(port)
    s.finish()
    _check_stream(got, ENCODERS["amb8465"](), _only(drive.receptions(), {"C1"}),
                  Faults(garbage=0.05, bad_check=0.05, reply=0.05))


def test_amber_refuses_bad_checksums_and_unknown_modes() -> None:
    dongle = AmberDongle()
    assert dongle.feed(bytes.fromhex("FF04010800")) == [] and "bad checksum" in dongle.log[-1]
    assert dongle.feed(amber.amber_command(amber.CMD_SET_MODE, b"\x42")) == [amber.amber_set_mode_reply(1)]
    assert not dongle.link_modes


def test_rc1180_configuration_mode_and_t1_stream(serve, drive: Drive) -> None:
    s = serve("rc1180")
    with serial.Serial(s.server.path, 19200, timeout=0.5) as port:
        assert _exchange(port, b"\x00", 1) == b">"
        dump = _exchange(port, b"0", 257)
        assert len(dump) == 257 and dump[256] == 0x3E and dump[amber.RC_MBUS_MODE] == 0x01
        port.write(b"X")
        got = _read_all(port)
    s.finish()
    _check_stream(got, ENCODERS["rc1180"](), _only(drive.receptions(), {"T1"}))


def test_rc1180_memory_write_selects_c_and_t() -> None:
    dongle = Rc1180Dongle()
    assert dongle.feed(b"\x00") == [b">"]
    assert dongle.feed(b"M\x03\x0a\xff") == [b">"]
    assert dongle.feed(b"X") == [] and dongle.link_modes == {"C1", "T1"}
    assert dongle.feed(b"M") == [] and "outside configuration mode" in dongle.log[-1]


def test_cul_version_modes_and_x01(serve, drive: Drive) -> None:
    s = serve("cul")
    with serial.Serial(s.server.path, 38400, timeout=0.5) as port:
        assert b"CUL" in _exchange(port, b"V\r\n", 19)
        port.write(b"X01\r\n")
        assert _exchange(port, b"brc\r\n", 7) == b"CMODE\r\n"
        got = _read_all(port)
    s.finish()
    _check_stream(got, Cul(report_rssi=False), drive.receptions())
    dongle = CulDongle()
    assert dongle.feed(b"brt\r") == [] and dongle.feed(b"\n") == [b"TMODE\r\n"] and dongle.link_modes == {"T1"}


@pytest.mark.parametrize("name", ["rtl_wmbus", "hex"])
def test_passive_receivers_stream_on_open(serve, drive: Drive, name: str) -> None:
    s = serve(name)
    with serial.Serial(s.server.path, 115200, timeout=0.5) as port:
        port.write(b"anything\n")
        got = _read_all(port)
    s.finish()
    _check_stream(got, ENCODERS[name](), drive.receptions())


def test_gps_pty_sends_the_track(serve, drive: Drive) -> None:
    s = serve("hex", nmea=True)
    assert s.server.gps_path is not None
    with serial.Serial(s.server.gps_path, 4800, timeout=0.5) as gps, \
            serial.Serial(s.server.path, 115200, timeout=0.5) as port:
        _read_all(port)
        lines = _read_all(gps).splitlines(keepends=True)
    s.finish()
    fixes = [parse_position(line) for line in lines if line.startswith(b"$GPGGA")]
    assert len(fixes) >= len(drive.track.t_s) - 1
    lat, lon = fixes[-1]
    assert (lat, lon) == (pytest.approx(drive.track.lat[-1], abs=1e-6), pytest.approx(drive.track.lon[-1], abs=1e-6))


def test_nmea_counter_counts_idle_sentences_too(serve, drive: Drive) -> None:
    """Before the drive starts the puck repeats its start fix; those sentences are counted like the rest."""
    s = serve("hex", nmea=True)
    assert s.server.gps_path is not None
    with serial.Serial(s.server.gps_path, 4800, timeout=0.5) as gps:
        deadline = time.monotonic() + 2.5
        idle = b""
        while time.monotonic() < deadline:
            idle += gps.read(4096)
        assert idle.count(b"\n") >= 2  # at least one idle fix (GGA + RMC) before the dongle port opens
        with serial.Serial(s.server.path, 115200, timeout=0.5) as port:
            _read_all(port)
            rest = _read_all(gps)
    s.finish()
    assert s.server.report.nmea_sentences == (idle + rest).count(b"\n")


def test_cli_serves_a_pty_and_exits_when_done(tmp_path: Path) -> None:
    town = tmp_path / "town"
    res = runner.invoke(cli_simulate.app, ["town", "--meters", "120", "--seed", "8", "--out", str(town)])
    assert res.exit_code == 0, res.output
    amr = Path(sys.executable).with_name("amr")
    proc = subprocess.Popen([str(amr), "simulate", "dongle", "--town", str(town), "--day", "2026-10-30",
                             "--dongle", "im871a", "--pty", "--speed", "max", "--exit-when-done"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=os.environ.copy())
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        assert first.startswith("im871a: /dev/"), first
        with serial.Serial(first.split(": ", 1)[1].strip(), 57600, timeout=0.5) as port:
            assert _exchange(port, bytes.fromhex("A5010100"), 6) == bytes.fromhex("A58102004CA3")
            assert _exchange(port, bytes.fromhex("A5010306000207300100"), 7) == imst.im871a_set_config_reply(0)
            got = _read_all(port)
        out, err = proc.communicate(timeout=20)
    finally:
        proc.kill()
    written = int(out.split(" telegrams written")[0].split()[-1])
    assert written > 0 and got.count(b"\xa5\xc2\x03") >= written
    assert "set config: link mode 0x07 (C1)" in err


def test_cli_dongle_refuses_unknown_dongles_and_missing_output(tmp_path: Path) -> None:
    res = runner.invoke(cli_simulate.app, ["dongle", "--town", str(tmp_path), "--dongle", "sdr9000", "--pty"])
    assert res.exit_code == 2 and "unknown dongle 'sdr9000'" in res.output
    res = runner.invoke(cli_simulate.app, ["dongle", "--town", str(tmp_path), "--dongle", "cul"])
    assert res.exit_code == 2 and "--pty" in res.output
    res = runner.invoke(cli_simulate.app, ["dongle", "--town", str(tmp_path), "--pty", "--speed", "fast"])
    assert res.exit_code == 2 and "--speed" in res.output
