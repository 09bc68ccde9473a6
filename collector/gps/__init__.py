"""A serial GPS puck: NMEA sentences parsed with pynmea2 stamp the van's position on each record."""

from __future__ import annotations

import asyncio
from typing import Any

import pynmea2
import serial


async def follow_gps(path: str, service: Any, stop: asyncio.Event) -> None:
    """Read NMEA from ``path`` until ``stop``; each fix updates ``service.position``. Never raises."""
    loop = asyncio.get_running_loop()
    try:
        port = serial.Serial(path, 4800, timeout=0.2)
    except (serial.SerialException, OSError) as exc:
        service.say(f"gps: cannot open {path}: {exc}; records carry no position")
        return
    buf = b""
    try:
        while not stop.is_set():
            data = await loop.run_in_executor(None, port.read, 1024)
            buf += data
            *lines, buf = buf.split(b"\n")
            for raw in lines:
                try:
                    msg = pynmea2.parse(raw.decode("ascii", "replace").strip())
                except pynmea2.ParseError:
                    continue
                if isinstance(msg, pynmea2.GGA | pynmea2.RMC) and msg.latitude and msg.longitude:
                    service.position = (float(msg.latitude), float(msg.longitude))
            buf = buf[-512:]
    except (serial.SerialException, OSError) as exc:
        service.say(f"gps: {path} lost: {exc}")
    finally:
        port.close()
