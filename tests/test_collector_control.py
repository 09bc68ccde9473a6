"""The dongle control state machine alone: events and times in, actions and logged reasons out (no I/O)."""

from __future__ import annotations

import pytest

from collector.control import PROBE_ORDER, DongleControl, Reopen, SetBaud, Write
from collector.control.machine import ControlError
from collector.framers.events import CommandReply, Counter, Frame
from collector.framers.imst import Im871aCommands

INFO = CommandReply("im871a", (1, 0x10), b"\x33\x01\x14", True)  # DEVICE_INFO response
CONFIG_OK = CommandReply("im871a", (1, 0x04), b"", True)  # SET_CONFIG response
RESET_OK = CommandReply("im871a", (1, 0x08), b"", True)
TELEGRAM = Frame(bytes.fromhex("2e44931578563412330378"), -60.0, "T1")


def _writes(actions: list) -> list[bytes]:
    return [a.data for a in actions if isinstance(a, Write)]


def _listening() -> DongleControl:
    c = DongleControl("im871a", "c1t1", silence_s=900.0)
    c.start(0.0)
    c.on_events([INFO], 0.1)
    c.on_events([CONFIG_OK], 0.2)
    assert c.state == "listening"
    return c


def test_named_stick_is_probed_then_configured() -> None:
    c = DongleControl("im871a", "t1")
    first = c.start(0.0)
    assert first[0] == SetBaud(57600, "im871a")
    assert _writes(first) == [Im871aCommands.device_info()]
    assert _writes(c.on_events([INFO], 0.1)) == [Im871aCommands.set_link_mode("T1")]
    assert c.on_events([CONFIG_OK], 0.2) == [] and c.state == "listening"
    assert [e.state for e in c.log] == ["probing", "configuring", "listening"]


def test_telegram_between_command_and_reply_is_not_the_reply() -> None:
    c = DongleControl("im871a", "c1t1")
    c.start(0.0)
    c.on_events([INFO], 0.1)
    assert c.state == "configuring"
    assert c.on_events([TELEGRAM], 0.15) == [] and c.state == "configuring"  # still waiting for SET_CONFIG
    c.on_events([CONFIG_OK], 0.2)
    assert c.state == "listening"


def test_auto_probes_every_kind_in_order_with_timeouts_then_fails_with_a_reason() -> None:
    c = DongleControl("auto", "c1t1")
    actions, now = c.start(0.0), 0.0
    probed = [a.dongle for a in actions if isinstance(a, SetBaud)]
    while c.state != "failed":
        now += 5.0  # longer than any probe's timeout
        probed += [a.dongle for a in c.tick(now) if isinstance(a, SetBaud)]
    assert tuple(probed) == PROBE_ORDER
    assert "no stick answered" in c.log[-1].reason


def test_auto_finds_the_stick_that_answers() -> None:
    c = DongleControl("auto", "c1t1")
    c.start(0.0)
    now = 0.0
    while c.dongle is None and now < 60:
        now += 5.0
        acts = c.tick(now)
        if any(isinstance(a, SetBaud) and a.dongle == "im871a" for a in acts):
            c.on_events([INFO], now + 0.1)
    assert c.dongle == "im871a" and c.state == "configuring"


def test_silence_gives_exactly_one_reset_and_a_reconfiguration() -> None:
    c = _listening()
    c.on_events([TELEGRAM], 100.0)
    assert c.tick(999.0) == [] and c.resets == 0  # 899 s of silence: not yet
    acts = c.tick(1000.5)
    assert c.resets == 1 and c.state == "resetting" and _writes(acts) == [Im871aCommands.reset()]
    assert "no telegram for 900 s" in c.log[-1].reason
    assert c.tick(1000.6) == [] and c.resets == 1  # waiting for the reset's answer: no second reset
    assert _writes(c.on_events([RESET_OK], 1001.0)) == [Im871aCommands.set_link_mode("C1T1")]
    c.on_events([CONFIG_OK], 1001.1)
    assert c.state == "listening" and c.resets == 1
    assert c.tick(1800.0) == []  # the silence clock restarts at the reconfiguration


def test_repeated_protocol_errors_reset_the_stick() -> None:
    c = DongleControl("im871a", "c1t1", max_errors=5, error_window_s=60.0)
    c.start(0.0)
    c.on_events([INFO], 0.1)
    c.on_events([CONFIG_OK], 0.2)
    for t in range(4):
        c.on_events([Counter("checksum_errors", 1), TELEGRAM], 10.0 + t)
    assert c.resets == 0
    c.on_events([Counter("checksum_errors", 1)], 15.0)
    assert c.resets == 1 and "5 protocol errors within 60 s" in c.log[-1].reason


def test_errors_spread_over_time_do_not_reset() -> None:
    c = DongleControl("im871a", "c1t1", max_errors=5, error_window_s=60.0)
    c.start(0.0)
    c.on_events([INFO], 0.1)
    c.on_events([CONFIG_OK], 0.2)
    for t in range(20):
        c.on_events([Counter("checksum_errors", 1), TELEGRAM], 30.0 * t)
    assert c.resets == 0


def test_port_lost_then_back_reconfigures() -> None:
    c = _listening()
    assert c.port_lost(50.0, "device disconnected") == [Reopen("device disconnected")]
    assert c.state == "reopening" and "device disconnected" in c.log[-1].reason
    acts = c.port_back(60.0)
    assert _writes(acts) == [Im871aCommands.device_info()] and c.state == "probing"


def test_unanswered_configuration_is_retried_then_fails() -> None:
    c = DongleControl("im871a", "c1t1", retries=2)
    c.start(0.0)
    c.on_events([INFO], 0.1)
    c.tick(5.0)
    assert c.state == "configuring" and "retrying" in c.log[-2].reason
    c.tick(10.0)
    assert c.state == "failed" and "did not answer" in c.log[-1].reason


def test_a_mode_the_stick_cannot_receive_is_refused() -> None:
    with pytest.raises(ControlError, match="cul cannot receive"):
        DongleControl("cul", "c1")


@pytest.mark.parametrize("dongle", ["rtl-wmbus", "hex", "raw", "rtl433"])
def test_receivers_without_commands_just_listen_and_are_never_reset(dongle: str) -> None:
    c = DongleControl(dongle, "c1t1", silence_s=10.0)
    acts = c.start(0.0)
    assert c.state == "listening" and not _writes(acts)
    assert c.tick(100.0) == [] and c.resets == 0


def test_retries_are_counted_per_reset_not_per_day() -> None:
    c = _listening()
    for k in range(1, 6):  # five silences in a day, each reset answered only on the second try
        t = 1000.0 * k
        c.tick(t)
        assert c.state == "resetting" and c.resets == k
        c.tick(t + 5.0)  # the reset's answer never came: reconfigure
        assert c.state == "configuring"
        c.on_events([CONFIG_OK], t + 5.1)
        assert c.state == "listening"
