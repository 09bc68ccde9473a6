"""The serial edge: a USB stick (or a pty), a capture file, or stdin, read by a thread into asyncio.

pyserial's reads block, so one reader thread per port hands each chunk to the event loop with the
host's monotonic time; the protocol code never waits on a port. A capture file or stdin is read the
same way, so a crew or a tester can replay a day's bytes through exactly the code a van runs. A port
that vanishes (USB unplugged) is reported as an event, never as a traceback: the service reopens it
when the device returns.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import serial

READ_TIMEOUT_S = 0.05  # short, so silences are noticed promptly and the thread stops quickly
CHUNK = 4096


class PortError(Exception):
    """The port could not be opened or was lost; the message names it and says why."""


@dataclass(frozen=True)
class Chunk:
    data: bytes
    at: float  # time.monotonic() when the read returned


@dataclass(frozen=True)
class Lost:
    reason: str


@dataclass(frozen=True)
class Eof:
    pass


Item = Chunk | Lost | Eof


def is_device(port: str) -> bool:
    """A character device (a tty, a pty, a USB stick); anything else is replayed as a capture file."""
    if port == "-":
        return False
    try:
        import stat

        return stat.S_ISCHR(os.stat(port).st_mode)
    except OSError:
        return port.startswith("/dev/")


class Source:
    """A byte source feeding an asyncio queue from a thread."""

    name: str
    writable = False

    def start(self, loop: asyncio.AbstractEventLoop, queue: asyncio.Queue[Item]) -> None:
        self._loop, self._queue = loop, queue
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"reader {self.name}", daemon=True)
        self._thread.start()

    def _put(self, item: Item) -> None:
        with contextlib.suppress(RuntimeError):  # the loop is closed: we are shutting down
            self._loop.call_soon_threadsafe(self._queue.put_nowait, item)

    def _run(self) -> None:
        raise NotImplementedError

    def write(self, data: bytes) -> None:
        pass

    def set_baud(self, baud: int) -> None:
        pass

    def close(self) -> None:
        if hasattr(self, "_stop"):
            self._stop.set()
            self._thread.join(timeout=2)


class SerialSource(Source):
    writable = True

    def __init__(self, path: str, baud: int = 57600) -> None:
        self.name = path
        self.baud = baud or 57600
        self.port: serial.Serial | None = None
        self.open()

    def open(self) -> None:
        try:
            self.port = serial.Serial(self.name, self.baud, timeout=READ_TIMEOUT_S, exclusive=True)
        except (serial.SerialException, OSError, ValueError) as exc:
            raise PortError(f"{self.name}: cannot open: {_why(exc)}") from None

    def set_baud(self, baud: int) -> None:
        if baud and self.port is not None and self.port.baudrate != baud:
            self.port.baudrate = baud
            self.port.reset_input_buffer()

    def write(self, data: bytes) -> None:
        if self.port is None:
            return
        try:
            self.port.write(data)
            self.port.flush()
        except (serial.SerialException, OSError) as exc:
            self._put(Lost(_why(exc)))

    def _run(self) -> None:
        port = self.port
        assert port is not None
        while not self._stop.is_set():
            try:
                data = port.read(CHUNK)
            except (serial.SerialException, OSError, TypeError) as exc:
                self._put(Lost(_why(exc)))
                return
            if data:
                self._put(Chunk(data, time.monotonic()))

    def close(self) -> None:
        super().close()
        if self.port is not None:
            with contextlib.suppress(serial.SerialException, OSError):
                self.port.close()
            self.port = None


class StreamSource(Source):
    """A capture file or stdin, replayed as fast as it can be read; its end ends the run."""

    def __init__(self, port: str) -> None:
        self.name = "stdin" if port == "-" else port
        if port == "-":
            self.stream: BinaryIO = sys.stdin.buffer
        else:
            try:
                self.stream = Path(port).open("rb")  # noqa: SIM115 - closed by close()
            except OSError as exc:
                raise PortError(f"{port}: cannot open: {exc.strerror or exc}") from None

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                data = self.stream.read1(CHUNK) if hasattr(self.stream, "read1") else self.stream.read(CHUNK)
            except OSError as exc:
                self._put(Lost(_why(exc)))
                return
            if not data:
                self._put(Eof())
                return
            self._put(Chunk(data, time.monotonic()))

    def close(self) -> None:
        super().close()
        if self.stream is not sys.stdin.buffer:
            self.stream.close()


def _why(exc: BaseException) -> str:
    """The OS's reason alone ("No such file or directory"), without pyserial's repeats of the path."""
    text = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    m = re.search(r"\[Errno \d+\] ([^:]+)", text)
    return m.group(1).strip() if m else text


def open_source(port: str, baud: int = 0) -> Source:
    return SerialSource(port, baud) if is_device(port) else StreamSource(port)
