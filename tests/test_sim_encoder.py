"""Telegram encoder (simulators/encoder/): round trips through `decoders`, frame layout,
CRC formats, determinism and refusals. The 10,000-per-family run is
benchmarks/encoder_roundtrip.py; here 500 states per family and CRC format keep it fast."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from frames import with_crc_format_a, with_crc_format_b

from decoders import DecodeError, Decoder, KeyStore
from decoders.alarms import ALARM, ERROR, LEAK, LOW_BATTERY, MAGNET, TEMPORARY_ERROR
from simulators.encoder import CRC_FORMATS, FAMILIES, MeterState, encode, expected_reading, random_state
from simulators.encoder.check import mismatches

ROUNDS = 500


@pytest.mark.parametrize("crc", CRC_FORMATS)
@pytest.mark.parametrize("family", list(FAMILIES))
def test_round_trip_random_states(family: str, crc: str) -> None:
    rng = random.Random(f"pytest/{family}/{crc}")
    decoder = Decoder()
    failures = []
    alarm_sets = set()
    for i in range(ROUNDS):
        state = random_state(family, rng)
        alarm_sets.add(state.alarms)
        problems = mismatches(decoder, family, state, crc)
        if problems:
            failures.append((i, problems))
    assert failures == []
    assert len(alarm_sets) > 1  # the alarms really varied


def _oms_state(**kw: object) -> MeterState:
    values: dict[str, object] = dict(
        meter_id="12345678", manufacturer="ELS", version=0x33, device_type=0x07, key=bytes(range(16)),
        access_counter=0x01020304, total_l=123_456, target_l=120_001, target_date=dt.date(2026, 5, 31),
        flow_lph=250, alarms=frozenset({LOW_BATTERY}), error_flags=0x0102,
    )
    values.update(kw)
    return MeterState(**values)  # type: ignore[arg-type]


def test_plain_oms_frame_bytes_by_hand() -> None:
    frame = encode("oms-plain", _oms_state())
    m = ((ord("E") - 64) << 10 | (ord("L") - 64) << 5 | (ord("S") - 64)).to_bytes(2, "little")
    expected_body = (
        b"\x44" + m + bytes.fromhex("78563412") + b"\x33\x07"
        + bytes.fromhex("7a040400 00")  # CI, ACC = low byte of the counter, STS = 0x04 (power low), CFG 0
        + bytes.fromhex("0413") + (123456).to_bytes(4, "little")
        + bytes.fromhex("4413") + (120001).to_bytes(4, "little")
        + bytes.fromhex("426c") + bytes([31 | (26 & 7) << 5, 5 | (26 >> 3) << 4])
        + bytes.fromhex("023b") + (250).to_bytes(2, "little")
        + bytes.fromhex("02fd17") + b"\x02\x01"
    )
    assert frame == bytes([len(expected_body)]) + expected_body
    t = Decoder().decode(frame)
    assert (t.id, t.total_m3, t.target_m3, t.target_date, t.flow_m3h) == ("12345678", 123.456, 120.001,
                                                                           "2026-05-31", 0.25)
    assert t.alarms == [LOW_BATTERY] and t.encryption == "none"


def test_crc_formats_match_independent_builders_and_l_field_rules() -> None:
    for family in FAMILIES:
        state = random_state(family, random.Random(family))
        bare = encode(family, state)
        a = encode(family, state, crc="A")
        b = encode(family, state, crc="B")
        assert bare[0] == len(bare) - 1
        assert a == with_crc_format_a(bare) and a[0] == bare[0]  # format A: L never counts CRCs
        blocks = 1 + -(-(bare[0] - 9) // 16)
        assert len(a) == 1 + bare[0] + 2 * blocks
        assert b == with_crc_format_b(bare) and b[0] == len(b) - 1  # format B: L counts them
        for frame, fmt in ((bare, "none"), (a, "A"), (b, "B")):
            assert Decoder(default_key=state.key).decode(frame).crc_format == fmt


def test_access_number_override_changes_acc_only_where_sent() -> None:
    state = _oms_state()
    frame = encode("oms-mode5", state, access_number=0x99)
    t = Decoder(default_key=state.key).decode(frame)
    assert t.acc == 0x99 and t.total_m3 == 123.456
    with pytest.raises(ValueError):
        encode("oms-plain", state, access_number=256)


def test_encryption_is_real_wrong_key_fails() -> None:
    for family, how in (("oms-mode5", "mode5"), ("oms-mode7", "mode7"), ("apator162", "mode5"),
                        ("kamwater", "ell-ctr"), ("kamwater-compact", "ell-ctr")):
        state = random_state(family, random.Random(f"key/{family}"))
        frame = encode(family, state)
        assert state.total_l.to_bytes(4, "little") not in frame  # the register is not sent in clear
        good = Decoder(default_key=state.key).decode(frame)
        assert good.encryption == how and good.decrypted
        bad = Decoder(default_key=bytes(16)).decode_safe(frame)
        assert bad.reason == "wrong_key" and bad.total_m3 is None, family


def test_mode7_mac_covers_the_tpl() -> None:
    state = _oms_state()
    frame = bytearray(encode("oms-mode7", state))
    assert frame[10] == 0x8C and frame[13] == 0x90  # ELL-I, then AFL
    frame[-1] ^= 0x01
    with pytest.raises(DecodeError, match="MAC"):
        Decoder(default_key=state.key).decode(bytes(frame))


def test_izar_sends_diehl_address_order_and_scrambles() -> None:
    state = MeterState("12345678", "DME", 0x78, 0x07, total_l=987_654, target_l=900_001,
                       target_date=dt.date(2024, 6, 30), alarms=frozenset({LEAK}))
    frame = encode("izar", state)
    assert frame[4:10] == bytes.fromhex("780778563412") and frame[10] == 0xA2
    assert (987654).to_bytes(4, "little") not in frame
    t = Decoder().decode(frame)
    assert (t.id, t.driver, t.total_m3, t.target_m3, t.target_date) == ("12345678", "izar", 987.654, 900.001,
                                                                        "2024-06-30")
    assert t.alarms == [LEAK]


def test_kamwater_compact_is_shorter_and_uses_ci_79() -> None:
    state = random_state("kamwater-compact", random.Random(7))  # alarms both formats carry
    full, compact = encode("kamwater", state), encode("kamwater-compact", state)
    keys = KeyStore()
    keys.add(state.meter_id, state.key)
    t_full, t_compact = Decoder(keys).decode(full), Decoder(keys).decode(compact)
    assert t_full.ci == 0x78 and t_compact.ci == 0x79 and t_compact.driver == "kamwater"
    assert t_full.flow_m3h == state.flow_m3h and t_compact.flow_m3h is None
    assert sorted(t_compact.alarms) == sorted(state.alarms)


def test_same_seed_same_bytes_other_seed_other_bytes() -> None:
    def stream(seed: int) -> list[bytes]:
        rng = random.Random(seed)
        return [encode(f, random_state(f, rng), crc=c) for f in FAMILIES for c in CRC_FORMATS for _ in range(5)]

    assert stream(42) == stream(42)
    assert stream(42) != stream(43)


def test_states_a_family_cannot_send_are_refused() -> None:
    with pytest.raises(ValueError, match="cannot carry"):
        encode("oms-plain", _oms_state(alarms=frozenset({MAGNET})))
    with pytest.raises(ValueError, match="ERROR and ALARM"):
        encode("oms-mode5", _oms_state(alarms=frozenset({ERROR, ALARM})))
    with pytest.raises(ValueError, match="cannot carry"):
        encode("izar", _oms_state(manufacturer="DME", alarms=frozenset({TEMPORARY_ERROR})))
    with pytest.raises(ValueError):
        encode("kamwater", _oms_state())  # not a Kamstrup meter
    with pytest.raises(ValueError, match="unknown family"):
        encode("no-such", _oms_state())
    with pytest.raises(ValueError, match="crc"):
        encode("oms-plain", _oms_state(), crc="C")
    with pytest.raises(ValueError):
        MeterState("1234567", "ELS", 1, 7)


def test_expected_reading_lists_only_what_the_family_carries() -> None:
    state = _oms_state(manufacturer="APA", version=5)
    assert set(expected_reading("apator162", state)) == {"id", "manufacturer", "alarms", "total_m3"}
    assert expected_reading("oms-plain", state)["target_date"] == "2026-05-31"


# Two rare failures the 10,000-state benchmark found. Both are ambiguities in the decoder's
# detection, not encoder faults (the frames are well-formed), kept here so a decoder fix shows.
_B_LOOKALIKE = MeterState(
    "36896964", "KAM", 155, 22, b"\xdd\x87\x91g\x01~\xb9U7\x83\x93\xb6T\x7f\xe8\xe9", 3614911836, 62046859,
    24421642, dt.date(2009, 12, 25), 561, frozenset({"DRY", "BACKFLOW", "LEAK"}), 38344)
_PLAIN_LOOKALIKE = MeterState(
    "22657813", "KAW", 61, 7, b"\xe2g\x08\x0b\x02\x02Qv\xe0\xcauW&@U\xa0", 2256026771, 36816221, 47163665,
    dt.date(2066, 10, 7), 5863, frozenset({"BURST"}), 59206)


def test_crc_free_frame_that_looks_like_format_b() -> None:
    """A CRC-free frame whose last 2 bytes equal the CRC of the rest (1 in 65,536) must not be
    cut as format B: the decoder falls back to the CRC-free reading when format B fails."""
    # The meter's version is outside kamwater's detection triples: the driver is named.
    assert mismatches(Decoder(driver="kamwater"), "kamwater", _B_LOOKALIKE, "none") == []


def test_ell_ciphertext_that_looks_like_plaintext() -> None:
    """ELL ciphertext whose first 2 bytes equal the CRC of the rest must still be decrypted
    when the key is known (the plaintext check comes after the key)."""
    assert mismatches(Decoder(driver="kamwater"), "kamwater", _PLAIN_LOOKALIKE, "A") == []
