"""A TCP relay that counts the bytes each way, so the sync benchmark measures bytes on the wire.

Usage: python benchmarks/_tcp_counter.py LISTEN_PORT TARGET_PORT; prints ``ready``, and on SIGTERM
prints ``up=N down=M`` (client→server and server→client TCP payload bytes).
"""

from __future__ import annotations

import asyncio
import signal
import sys


async def main(listen: int, target: int) -> None:
    counts = {"up": 0, "down": 0}

    async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, key: str) -> None:
        try:
            while data := await reader.read(1 << 16):
                counts[key] += len(data)
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            writer.close()

    async def handle(cr: asyncio.StreamReader, cw: asyncio.StreamWriter) -> None:
        try:
            sr, sw = await asyncio.open_connection("127.0.0.1", target)
        except OSError:
            cw.close()
            return
        await asyncio.gather(pipe(cr, sw, "up"), pipe(sr, cw, "down"))

    server = await asyncio.start_server(handle, "127.0.0.1", listen)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    print("ready", flush=True)
    async with server:
        await stop.wait()
    print(f"up={counts['up']} down={counts['down']}", flush=True)


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]), int(sys.argv[2])))
