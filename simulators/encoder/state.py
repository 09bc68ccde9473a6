"""What a meter knows at one instant: the values its next telegram carries.

Registers are kept in whole litres (and litres per hour) because that is what the meters
count and what billing must reproduce exactly; the `*_m3` properties give the decoded scale.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class MeterState:
    """One meter at time t.

    `meter_id` is the 8-digit id as printed on the label; `key` is the AES-128 key (families
    with their own cipher say how they use it); `access_counter` drives the ACC byte, the
    mode-7 AFL message counter and the ELL session number, which real meters advance per frame.
    """

    meter_id: str
    manufacturer: str
    version: int
    device_type: int
    key: bytes = bytes(16)
    access_counter: int = 0
    total_l: int = 0
    target_l: int = 0
    target_date: dt.date = dt.date(2000, 1, 1)
    flow_lph: int = 0
    alarms: frozenset[str] = field(default_factory=frozenset)
    error_flags: int = 0  # OMS error-flags record (VIF FD 17); its bits are manufacturer-defined

    def __post_init__(self) -> None:
        if len(self.meter_id) != 8 or not self.meter_id.isdigit():
            raise ValueError(f"meter id must be 8 decimal digits, got {self.meter_id!r}")
        if len(self.manufacturer) != 3 or not self.manufacturer.isalpha():
            raise ValueError(f"manufacturer must be 3 letters, got {self.manufacturer!r}")

    @property
    def total_m3(self) -> float:
        return self.total_l / 1000

    @property
    def target_m3(self) -> float:
        return self.target_l / 1000

    @property
    def flow_m3h(self) -> float:
        return self.flow_lph / 1000
