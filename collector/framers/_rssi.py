"""Each receiver reports signal strength on its own scale; these turn the raw byte into dBm.

The formulas are the vendors' (IMST HCI specification, Amber AMB8465-M manual §7.9, Radiocrafts
RC1180-MBUS datasheet, TI CC1101 datasheet for the CUL). They stay per stick on purpose: a crew
compares readings of one van, never across sticks.
"""

from __future__ import annotations


def imst_dbm(raw: int) -> float:
    """iM871A: -100 dBm at raw 45, 0.5 dB per step, saturating at 0 dBm from raw 230."""
    return 0.0 if raw >= 230 else -100.0 + 0.5 * (raw - 45)


def cc1101_dbm(raw: int) -> float:
    """Amber AMB8465 and CUL (CC1101): signed byte, half-dB steps, offset 74 dB."""
    signed = raw - 256 if raw >= 128 else raw
    return signed / 2 - 74


def rc1180_dbm(raw: int) -> float:
    """RC1180-MBUS: P = -raw/2 dBm."""
    return -raw / 2
