"""Telegram encoder: the exact frame a meter of a given family sends for a given state.

Sans-IO: `encode(family, state)` takes values and returns bytes; nothing reads a clock or a
global RNG, so a population driven by `random.Random(seed)` replays byte for byte. Every
family here decodes with `decoders` back to the values it was given (proved by
tests/test_sim_encoder.py and benchmarks/encoder_roundtrip.py); `expected_reading` says which
decoded fields a family carries, so callers compare only what the radio actually sends.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from decoders.alarms import ALARM, ERROR
from simulators.encoder import apator as enc_apator
from simulators.encoder import izar as enc_izar
from simulators.encoder import kamstrup as enc_kamstrup
from simulators.encoder import oms as enc_oms
from simulators.encoder.link import CRC_FORMATS, with_crcs
from simulators.encoder.state import MeterState

__all__ = ["CRC_FORMATS", "FAMILIES", "Family", "MeterState", "encode", "expected_reading", "random_state"]

Builder = Callable[[MeterState, int], bytes]
TOTAL = "total_m3"
TARGET = "target_m3"
DATE = "target_date"
FLOW = "flow_m3h"
ERROR_FLAGS = "error_flags"
_OMS_FIELDS = frozenset((TOTAL, TARGET, DATE, FLOW, ERROR_FLAGS))
# Manufacturers no decoder driver claims: OMS frames from them exercise the generic path.
_OMS_MANUFACTURERS = ("ELS", "LUG", "NZR")
_WATER_TYPES = (0x06, 0x07, 0x15, 0x16)


@dataclass(frozen=True, slots=True)
class Family:
    """A transmission format: how to build it and what it can carry."""

    name: str
    build: Builder
    fields: frozenset[str]
    alarms: frozenset[str]
    manufacturers: tuple[str, ...]
    device_types: tuple[int, ...]
    versions: tuple[int, ...] | None = None  # None: any version byte
    exclusive_alarms: frozenset[str] = frozenset()  # at most one of these at a time
    needs_key: bool = True


_FAMILY_LIST = (
    Family("oms-plain", enc_oms.plain_frame, _OMS_FIELDS, enc_oms.STATUS_ALARMS, _OMS_MANUFACTURERS,
           _WATER_TYPES, exclusive_alarms=frozenset((ERROR, ALARM)), needs_key=False),
    Family("oms-mode5", enc_oms.mode5_frame, _OMS_FIELDS, enc_oms.STATUS_ALARMS, _OMS_MANUFACTURERS,
           _WATER_TYPES, exclusive_alarms=frozenset((ERROR, ALARM))),
    Family("oms-mode7", enc_oms.mode7_frame, _OMS_FIELDS, enc_oms.STATUS_ALARMS, _OMS_MANUFACTURERS,
           _WATER_TYPES, exclusive_alarms=frozenset((ERROR, ALARM))),
    Family("apator162", enc_apator.frame, frozenset((TOTAL,)), enc_oms.STATUS_ALARMS,
           (enc_apator.MANUFACTURER,), enc_apator.DEVICE_TYPES, (enc_apator.VERSION,),
           exclusive_alarms=frozenset((ERROR, ALARM))),
    # Versions and types a decoder detects the family by (DME 78 06/07; SAP PRIOS frames always
    # detect as SAP 00 07; KAM 1B 06/16): a random version byte would be an unknown meter.
    Family("izar", enc_izar.frame, frozenset((TOTAL, TARGET, DATE)), enc_izar.ALARMS, ("DME", "SAP"),
           (0x06, 0x07), (0x78,), needs_key=False),
    Family("kamwater", enc_kamstrup.full_frame, frozenset((TOTAL, TARGET, DATE, FLOW)), enc_kamstrup.ALARMS,
           ("KAM",), (0x06, 0x16), (0x1B,)),
    Family("kamwater-compact", enc_kamstrup.compact_frame, frozenset((TOTAL, TARGET, DATE)),
           enc_kamstrup.COMPACT_ALARMS,
           ("KAM",), (0x06, 0x16), (0x1B,)),
)
FAMILIES: dict[str, Family] = {f.name: f for f in _FAMILY_LIST}


def _family(name: str) -> Family:
    try:
        return FAMILIES[name]
    except KeyError:
        raise ValueError(f"unknown family {name!r}; known: {', '.join(FAMILIES)}") from None


def encode(family: str, state: MeterState, *, crc: str = "none", access_number: int | None = None) -> bytes:
    """The frame `state`'s meter sends in `family`'s format, with link-layer CRCs per `crc`.

    `access_number` is the ACC byte; by default the low byte of `state.access_counter`.
    A state the family cannot express (an alarm it has no bit for, a foreign manufacturer)
    raises ValueError rather than silently sending something else.
    """
    if crc not in CRC_FORMATS:
        raise ValueError(f"crc must be one of {CRC_FORMATS}, got {crc!r}")
    acc = state.access_counter & 0xFF if access_number is None else access_number
    if not 0 <= acc <= 0xFF:
        raise ValueError(f"access number must be one byte, got {acc}")
    return with_crcs(_family(family).build(state, acc), crc)


def expected_reading(family: str, state: MeterState) -> dict[str, Any]:
    """What `decoders` must report for this frame: identity, the fields carried, sorted alarms."""
    fam = _family(family)
    out: dict[str, Any] = {"id": state.meter_id, "manufacturer": state.manufacturer,
                           "alarms": sorted(state.alarms)}
    if TOTAL in fam.fields:
        out[TOTAL] = state.total_m3
    if TARGET in fam.fields:
        out[TARGET] = state.target_m3
    if DATE in fam.fields:
        out[DATE] = state.target_date.isoformat()
    if FLOW in fam.fields:
        out[FLOW] = state.flow_m3h
    if ERROR_FLAGS in fam.fields:
        out[ERROR_FLAGS] = state.error_flags
    return out


_FIRST_DAY = dt.date(2000, 1, 1).toordinal()
_LAST_DAY = dt.date(2099, 12, 31).toordinal()


def random_state(family: str, rng: random.Random, alarm_rate: float = 0.2) -> MeterState:
    """A random but valid state for `family`, drawn only from `rng` (deterministic per seed)."""
    fam = _family(family)
    alarms = {name for name in sorted(fam.alarms) if rng.random() < alarm_rate}
    clash = sorted(alarms & fam.exclusive_alarms)
    if len(clash) > 1:
        alarms -= set(clash[1:]) if rng.random() < 0.5 else set(clash[:-1])
    return MeterState(
        meter_id=f"{rng.randrange(10**8):08d}",
        manufacturer=rng.choice(fam.manufacturers),
        version=rng.choice(fam.versions) if fam.versions else rng.randrange(256),
        device_type=rng.choice(fam.device_types),
        key=rng.randbytes(16),
        access_counter=rng.getrandbits(32),
        total_l=rng.randrange(100_000_000),
        target_l=rng.randrange(100_000_000),
        target_date=dt.date.fromordinal(rng.randint(_FIRST_DAY, _LAST_DAY)),
        flow_lph=rng.randrange(32_768),
        alarms=frozenset(alarms),
        error_flags=rng.randrange(1 << 16),
    )
