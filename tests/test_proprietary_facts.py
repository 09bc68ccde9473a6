"""The worked examples of the manufacturer format descriptions, decoded exactly."""

from __future__ import annotations

import pytest

from decoders import Decoder, parse_hex
from decoders.drivers.kamwater import _info
from decoders.model import Telegram


def with_l(hex_after_l: str) -> bytes:
    body = parse_hex(hex_after_l)
    return bytes([len(body)]) + body


def test_apator08_version_0f_type_0f() -> None:
    t = Decoder().decode(parse_hex("14441486785634120F0FA056341200AABBCCDD0102"))
    assert (t.driver, t.total_m3, t.media) == ("apator08", 397.682, "unknown")
    t = Decoder().decode(parse_hex("14441486785634120303A056341200AABBCCDD0102"))
    assert (t.driver, t.total_m3, t.media) == ("apator08", 397.682, "gas")


@pytest.mark.parametrize("registers", [
    "40 010203040506 41 5559 42 01020304 F0 01010000 10 39300000 FFFF ABCD",
    "72 00 11111111 22222222 33333333 10 39300000 ABCD",
    "10 39300000 A2 10",  # a 2-byte checksum that starts like a short tag
    "10 39300000 A2 10 10 39",  # and a 4-byte one
])
def test_apator162_registers_before_and_after_the_total(registers: str) -> None:
    t = Decoder().decode(with_l("4401067856341205077A01002085 2F2F 0F 11223344556677 " + registers))
    assert (t.driver, t.total_m3) == ("apator162", 12.345)


def test_apator162_unknown_tag_yields_no_total() -> None:
    t = Decoder().decode_safe(with_l("4401067856341205077A01002085 2F2F 0F 11223344556677 50 10 39300000 ABCD"))
    assert t.total_m3 is None and "unknown tag 0x50" in (t.error or "")


def test_izar_sap_ci_a3() -> None:
    t = Decoder().decode(parse_hex("1944304CDEFFE420CC01A36312001324FD64E1B8E22FCF2B5310"))
    assert (t.driver, t.total_m3, t.target_m3, t.target_date) == ("izar", 159.832, 157.76, "2021-02-01")


def test_minomess_storage8_filler_is_not_a_reading() -> None:
    t = Decoder().decode(with_l("44496A1064035514377251345015496A0116EE0050052F2F 0C1359000000 026CBE2B "
                                "8C041300000080 82046CA12B"))
    assert (t.driver, t.media, t.total_m3, t.target_date) == ("minomess", "cold water", 0.059, "2021-11-01")
    assert t.target_m3 is None and any("filler" in w for w in t.warnings)
    t = Decoder().decode(with_l("44496A1064035514377251345015496A0116EE0050052F2F 0C1359000000 026CBE2B "
                                "8C041378563412 82046CA12B"))
    assert t.target_m3 == 12345.678


@pytest.mark.parametrize(("word", "flags", "bands"), [
    (0x0071, ["DRY"], {"dry": "22-31 days"}),
    (0x0000, [], {}),
    (0xFFFF, ["DRY", "REVERSE", "LEAK", "BURST"],
     {"dry": "22-31 days", "reversed": "22-31 days", "leaking": "22-31 days", "bursting": "22-31 days"}),
    (0x0C04, ["LEAK"], {"leaking": "2-3 days"}),
    (0x1E08, ["BURST"], {"reversed": "4-7 days", "leaking": "22-31 days"}),
    (0xE008, ["BURST"], {"bursting": "22-31 days"}),
    (0x0380, [], {"reversed": "22-31 days"}),
])
def test_kamstrup_16_bit_info_codes_and_duration_bands(word: int, flags: list[str], bands: dict[str, str]) -> None:
    t = Telegram()
    t.extra["status_flags"] = []
    _info(t, word, short=True)
    assert t.extra["status_flags"] == flags
    assert t.extra["info_durations"] == bands
