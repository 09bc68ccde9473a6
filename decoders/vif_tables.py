"""VIF/VIFE tables of EN 13757-3, flattened into lookup lists.

Tables are built once at import so the record parser does a single index per VIF instead of
walking bit patterns for every record of every telegram.

Each entry is a `VifInfo`: quantity name, normalised unit, decimal exponent applied to the raw
value, and how to interpret the data field (`KIND_*`).
"""

from __future__ import annotations

from typing import NamedTuple

KIND_NUMBER = 0
KIND_DATE = 1  # type G
KIND_DATETIME = 2  # type F (4 bytes) or I (6 bytes)
KIND_BINARY = 3  # flags, kept unsigned
KIND_TEXT = 4
KIND_ID = 5  # BCD identification numbers kept as digit strings


class VifInfo(NamedTuple):
    quantity: str
    unit: str
    exp: int
    kind: int = KIND_NUMBER


_TIME_UNITS = ("s", "min", "h", "d")


def _primary() -> list[VifInfo]:
    t: list[VifInfo] = []
    for v in range(0x80):
        n = v & 0x07
        nn = v & 0x03
        if v <= 0x07:
            t.append(VifInfo("energy", "Wh", n - 3))
        elif v <= 0x0F:
            t.append(VifInfo("energy", "J", n))
        elif v <= 0x17:
            t.append(VifInfo("volume", "m3", n - 6))
        elif v <= 0x1F:
            t.append(VifInfo("mass", "kg", n - 3))
        elif v <= 0x23:
            t.append(VifInfo("on_time", _TIME_UNITS[nn], 0))
        elif v <= 0x27:
            t.append(VifInfo("operating_time", _TIME_UNITS[nn], 0))
        elif v <= 0x2F:
            t.append(VifInfo("power", "W", n - 3))
        elif v <= 0x37:
            t.append(VifInfo("power", "J/h", n))
        elif v <= 0x3F:
            t.append(VifInfo("volume_flow", "m3/h", n - 6))
        elif v <= 0x47:
            t.append(VifInfo("volume_flow", "m3/min", n - 7))
        elif v <= 0x4F:
            t.append(VifInfo("volume_flow", "m3/s", n - 9))
        elif v <= 0x57:
            t.append(VifInfo("mass_flow", "kg/h", n - 3))
        elif v <= 0x5B:
            t.append(VifInfo("flow_temperature", "C", nn - 3))
        elif v <= 0x5F:
            t.append(VifInfo("return_temperature", "C", nn - 3))
        elif v <= 0x63:
            t.append(VifInfo("temperature_difference", "K", nn - 3))
        elif v <= 0x67:
            t.append(VifInfo("external_temperature", "C", nn - 3))
        elif v <= 0x6B:
            t.append(VifInfo("pressure", "bar", nn - 3))
        elif v == 0x6C:
            t.append(VifInfo("date", "date", 0, KIND_DATE))
        elif v == 0x6D:
            t.append(VifInfo("datetime", "datetime", 0, KIND_DATETIME))
        elif v == 0x6E:
            t.append(VifInfo("hca_units", "", 0))
        elif v == 0x6F:
            t.append(VifInfo("reserved", "", 0))
        elif v <= 0x73:
            t.append(VifInfo("averaging_duration", _TIME_UNITS[nn], 0))
        elif v <= 0x77:
            t.append(VifInfo("actuality_duration", _TIME_UNITS[nn], 0))
        elif v == 0x78:
            t.append(VifInfo("fabrication_no", "", 0, KIND_ID))
        elif v == 0x79:
            t.append(VifInfo("enhanced_identification", "", 0, KIND_ID))
        elif v == 0x7A:
            t.append(VifInfo("bus_address", "", 0))
        else:  # 0x7B/0x7D extensions, 0x7C text, 0x7E any, 0x7F manufacturer: handled by the parser
            t.append(VifInfo("reserved", "", 0))
    return t


def _fd() -> dict[int, VifInfo]:
    t: dict[int, VifInfo] = {}
    for v in range(0x00, 0x04):
        t[v] = VifInfo("credit", "currency", (v & 3) - 3)
    for v in range(0x04, 0x08):
        t[v] = VifInfo("debit", "currency", (v & 3) - 3)
    named = {
        0x08: ("access_number", KIND_NUMBER),
        0x09: ("medium", KIND_NUMBER),
        0x0A: ("manufacturer", KIND_NUMBER),
        0x0B: ("parameter_set_id", KIND_BINARY),
        0x0C: ("model_version", KIND_BINARY),
        0x0D: ("hardware_version", KIND_BINARY),
        0x0E: ("firmware_version", KIND_BINARY),
        0x0F: ("software_version", KIND_BINARY),
        0x10: ("customer_location", KIND_TEXT),
        0x11: ("customer", KIND_TEXT),
        0x12: ("access_code_user", KIND_BINARY),
        0x13: ("access_code_operator", KIND_BINARY),
        0x14: ("access_code_system_operator", KIND_BINARY),
        0x15: ("access_code_developer", KIND_BINARY),
        0x16: ("password", KIND_BINARY),
        0x17: ("error_flags", KIND_BINARY),
        0x18: ("error_mask", KIND_BINARY),
        0x1A: ("digital_output", KIND_BINARY),
        0x1B: ("digital_input", KIND_BINARY),
        0x1C: ("baud_rate", KIND_NUMBER),
        0x1D: ("response_delay_time", KIND_NUMBER),
        0x1E: ("retry", KIND_NUMBER),
        0x1F: ("remote_control", KIND_BINARY),
        0x20: ("first_storage_number", KIND_NUMBER),
        0x21: ("last_storage_number", KIND_NUMBER),
        0x22: ("storage_block_size", KIND_NUMBER),
        0x23: ("descriptor_tariff", KIND_BINARY),
        0x30: ("tariff_start", KIND_DATETIME),
        0x3A: ("dimensionless", KIND_NUMBER),
        0x60: ("reset_counter", KIND_NUMBER),
        0x61: ("cumulation_counter", KIND_NUMBER),
        0x62: ("control_signal", KIND_BINARY),
        0x63: ("day_of_week", KIND_NUMBER),
        0x64: ("week_number", KIND_NUMBER),
        0x65: ("day_change_time", KIND_NUMBER),
        0x66: ("parameter_activation_state", KIND_BINARY),
        0x67: ("special_supplier_information", KIND_BINARY),
        0x70: ("battery_change_datetime", KIND_DATETIME),
        0x71: ("rf_level", KIND_NUMBER),
        0x72: ("daylight_saving", KIND_BINARY),
        0x73: ("listening_window", KIND_BINARY),
        0x75: ("meter_stopped_count", KIND_NUMBER),
        0x76: ("manufacturer_container", KIND_BINARY),
    }
    for code, (name, kind) in named.items():
        unit = "dBm" if code == 0x71 else ("d" if code == 0x74 else "")
        t[code] = VifInfo(name, unit, 0, kind)
    t[0x74] = VifInfo("remaining_battery_life", "d", 0)
    for v in range(0x24, 0x28):
        t[v] = VifInfo("storage_interval", _TIME_UNITS[v & 3], 0)
    t[0x28] = VifInfo("storage_interval", "month", 0)
    t[0x29] = VifInfo("storage_interval", "year", 0)
    for v in range(0x2C, 0x30):
        t[v] = VifInfo("duration_since_readout", _TIME_UNITS[v & 3], 0)
    for v in range(0x31, 0x34):
        t[v] = VifInfo("tariff_duration", _TIME_UNITS[v & 3], 0)
    for v in range(0x34, 0x38):
        t[v] = VifInfo("tariff_period", _TIME_UNITS[v & 3], 0)
    t[0x38] = VifInfo("tariff_period", "month", 0)
    t[0x39] = VifInfo("tariff_period", "year", 0)
    for v in range(0x40, 0x50):
        t[v] = VifInfo("voltage", "V", (v & 0x0F) - 9)
    for v in range(0x50, 0x60):
        t[v] = VifInfo("current", "A", (v & 0x0F) - 12)
    for v, unit in zip(range(0x68, 0x6C), ("h", "d", "month", "year"), strict=True):
        t[v] = VifInfo("duration_since_cumulation", unit, 0)
    for v, unit in zip(range(0x6C, 0x70), ("h", "d", "month", "year"), strict=True):
        t[v] = VifInfo("battery_operating_time", unit, 0)
    return t


def _fb() -> dict[int, VifInfo]:
    t: dict[int, VifInfo] = {}
    for v in (0x00, 0x01):
        t[v] = VifInfo("energy", "MWh", (v & 1) - 1)
    for v in (0x08, 0x09):
        t[v] = VifInfo("energy", "GJ", (v & 1) - 1)
    for v in (0x10, 0x11):
        t[v] = VifInfo("volume", "m3", (v & 1) + 2)
    for v in (0x18, 0x19):
        t[v] = VifInfo("mass", "t", (v & 1) + 2)
    for v in (0x1A, 0x1B):
        t[v] = VifInfo("relative_humidity", "%", (v & 1) - 1)
    t[0x21] = VifInfo("volume", "ft3", -1)
    t[0x22] = VifInfo("volume", "gal", -1)
    t[0x23] = VifInfo("volume", "gal", 0)
    t[0x24] = VifInfo("volume_flow", "gal/min", -3)
    t[0x25] = VifInfo("volume_flow", "gal/min", 0)
    t[0x26] = VifInfo("volume_flow", "gal/h", 0)
    for v in (0x28, 0x29):
        t[v] = VifInfo("power", "MW", (v & 1) - 1)
    for v in (0x30, 0x31):
        t[v] = VifInfo("power", "GJ/h", (v & 1) - 1)
    for base, name in ((0x58, "flow_temperature"), (0x5C, "return_temperature"),
                       (0x60, "temperature_difference"), (0x64, "external_temperature")):
        unit = "F" if name != "temperature_difference" else "F_diff"
        for v in range(base, base + 4):
            t[v] = VifInfo(name, unit, (v & 3) - 3)
    for v in range(0x70, 0x74):
        t[v] = VifInfo("temperature_limit", "F", (v & 3) - 3)
    for v in range(0x74, 0x78):
        t[v] = VifInfo("temperature_limit", "C", (v & 3) - 3)
    for v in range(0x78, 0x80):
        t[v] = VifInfo("cumulative_max_power", "W", (v & 7) - 3)
    return t


PRIMARY: list[VifInfo] = _primary()
EXT_FD: dict[int, VifInfo] = _fd()
EXT_FB: dict[int, VifInfo] = _fb()

# Combinable (orthogonal) VIFE names, EN 13757-3 table 15. Codes 0x00-0x1F are record error
# codes; the rest modify the meaning of the primary VIF.
_VIFE_NAMES: dict[int, str] = {
    0x20: "per_second", 0x21: "per_minute", 0x22: "per_hour", 0x23: "per_day",
    0x24: "per_week", 0x25: "per_month", 0x26: "per_year", 0x27: "per_revolution",
    0x28: "per_input_pulse_0", 0x29: "per_input_pulse_1",
    0x2A: "per_output_pulse_0", 0x2B: "per_output_pulse_1",
    0x2C: "per_litre", 0x2D: "per_m3", 0x2E: "per_kg", 0x2F: "per_kelvin",
    0x30: "per_kwh", 0x31: "per_gj", 0x32: "per_kw", 0x33: "per_kelvin_litre",
    0x34: "per_volt", 0x35: "per_ampere", 0x36: "times_second", 0x37: "times_second_per_volt",
    0x38: "times_second_per_ampere", 0x39: "start_datetime_of", 0x3A: "uncorrected",
    0x3B: "forward_flow", 0x3C: "backward_flow", 0x3D: "non_metric", 0x3E: "at_base_conditions",
    0x3F: "obis",
    0x40: "lower_limit", 0x48: "upper_limit",
    0x41: "lower_limit_exceed_count", 0x49: "upper_limit_exceed_count",
    0x42: "first_lower_limit_exceed_begin", 0x43: "first_lower_limit_exceed_end",
    0x46: "last_lower_limit_exceed_begin", 0x47: "last_lower_limit_exceed_end",
    0x4A: "first_upper_limit_exceed_begin", 0x4B: "first_upper_limit_exceed_end",
    0x4E: "last_upper_limit_exceed_begin", 0x4F: "last_upper_limit_exceed_end",
    0x7D: "multiplied_by_1000", 0x7E: "future_value", 0x7F: "manufacturer_specific",
}
for _c in range(0x50, 0x60):
    _VIFE_NAMES[_c] = ("duration_of_" + ("upper" if _c & 0x08 else "lower") + "_limit_exceed_"
                       + ("last" if _c & 0x04 else "first") + "_" + _TIME_UNITS[_c & 3])
for _c in range(0x60, 0x68):
    _VIFE_NAMES[_c] = ("duration_of_" + ("last" if _c & 0x04 else "first") + "_" + _TIME_UNITS[_c & 3])
for _c in range(0x70, 0x78):
    _VIFE_NAMES[_c] = f"correction_factor_1e{(_c & 7) - 6}"
for _c in range(0x78, 0x7C):
    _VIFE_NAMES[_c] = f"additive_correction_1e{(_c & 3) - 3}"
for _c in range(0x00, 0x20):
    _VIFE_NAMES[_c] = f"record_error_{_c:02x}"
_VIFE_NAMES[0x13] = "inverse_compact_profile"
_VIFE_NAMES[0x1E] = "compact_profile_with_register"
_VIFE_NAMES[0x1F] = "compact_profile"


def vife_name(code: int) -> str:
    return _VIFE_NAMES.get(code & 0x7F, f"vife_{code & 0x7F:02x}")
