"""NMEA 0183 sentences a USB GPS puck writes: GGA (fix) and RMC (position, speed, course, date).

Why both: collectors that tag frames with a position usually read RMC for time, speed and
course, and GGA for the fix quality; a simulated puck that sends only one of them would let a
collector pass tests that a real puck fails. Sans-IO: values in, ASCII lines (CR LF) out.
"""

from __future__ import annotations

import datetime as dt
from functools import reduce
from operator import xor

KNOTS_PER_KMH = 1 / 1.852


def checksum(body: str) -> str:
    """XOR of every character between ``$`` and ``*``, as two uppercase hex digits."""
    return f"{reduce(xor, body.encode('ascii'), 0):02X}"


def sentence(body: str) -> bytes:
    return f"${body}*{checksum(body)}\r\n".encode("ascii")


def _angle(value: float, degree_digits: int, hemispheres: str) -> tuple[str, str]:
    """Degrees as NMEA ``(d)ddmm.mmmmm`` and its hemisphere letter."""
    hemi = hemispheres[0] if value >= 0 else hemispheres[1]
    value = abs(value)
    degrees = int(value)
    minutes = (value - degrees) * 60.0
    if round(minutes, 5) >= 60.0:
        degrees, minutes = degrees + 1, 0.0
    return f"{degrees:0{degree_digits}d}{minutes:08.5f}", hemi


def gga(at: dt.datetime, lat: float, lon: float, *, satellites: int = 9, hdop: float = 0.9,
        altitude_m: float = 230.0) -> bytes:
    """GPGGA with a GPS fix (quality 1); `at` is UTC."""
    la, ns = _angle(lat, 2, "NS")
    lo, ew = _angle(lon, 3, "EW")
    clock = at.strftime("%H%M%S.") + f"{at.microsecond // 10_000:02d}"
    return sentence(f"GPGGA,{clock},{la},{ns},{lo},{ew},1,{satellites:02d},{hdop:.1f},{altitude_m:.1f},M,"
                    "40.0,M,,")


def rmc(at: dt.datetime, lat: float, lon: float, speed_kmh: float, course_deg: float) -> bytes:
    """GPRMC, status A (valid), autonomous mode; `at` is UTC."""
    la, ns = _angle(lat, 2, "NS")
    lo, ew = _angle(lon, 3, "EW")
    clock = at.strftime("%H%M%S.") + f"{at.microsecond // 10_000:02d}"
    return sentence(f"GPRMC,{clock},A,{la},{ns},{lo},{ew},{speed_kmh * KNOTS_PER_KMH:.1f},{course_deg:.1f},"
                    f"{at.strftime('%d%m%y')},,,A")


def parse_position(line: bytes) -> tuple[float, float]:
    """Latitude and longitude from a GGA or RMC line (for tests and for checking a puck's output).

    Raises ValueError naming the problem when the checksum or the layout is wrong.
    """
    text = line.decode("ascii").strip()
    if not text.startswith("$") or "*" not in text:
        raise ValueError(f"not an NMEA sentence: {text!r}")
    body, cs = text[1:].rsplit("*", 1)
    if checksum(body) != cs.upper():
        raise ValueError(f"NMEA checksum {cs} does not match {checksum(body)} in {text!r}")
    fields = body.split(",")
    first = {"GPGGA": 2, "GPRMC": 3}.get(fields[0])
    if first is None:
        raise ValueError(f"not a GGA or RMC sentence: {fields[0]}")
    la, ns, lo, ew = fields[first:first + 4]
    lat = int(la[:2]) + float(la[2:]) / 60.0
    lon = int(lo[:3]) + float(lo[3:]) / 60.0
    return (lat if ns == "N" else -lat), (lon if ew == "E" else -lon)
