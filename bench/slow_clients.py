"""`python -m bench.slow_clients URL COUNT [SECONDS_A_BYTE]`: hold COUNT slow connections open
to URL (slowloris): each sends a request's headers a byte at a time and never finishes them.
A connection the server closes (its header deadline) is opened again at once, so COUNT stay
open. Prints `open COUNT` once they all are; runs until SIGTERM."""

import asyncio
import signal
import sys
from urllib.parse import urlsplit

HEADERS = b"GET /api/v1/clauses HTTP/1.1\r\nHost: registry\r\nUser-Agent: slow\r\nX-Wait: "


async def hold(host: str, port: int, pace: float, opened: asyncio.Queue[None]) -> None:
    first = True
    while True:
        try:
            reader, writer = await asyncio.open_connection(host, port)
        except OSError:
            await asyncio.sleep(pace)
            continue
        if first:
            opened.put_nowait(None)
            first = False
        try:
            for n in range(1_000_000):
                writer.write(HEADERS[n : n + 1] if n < len(HEADERS) else b"x")
                await writer.drain()
                try:
                    await asyncio.wait_for(reader.read(4096), pace)
                except TimeoutError:
                    continue  # nothing yet: the next byte
                break  # answered (408) or closed: open another
        except OSError:
            pass
        finally:
            writer.close()


async def main(url: str, count: int, pace: float) -> None:
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    opened: asyncio.Queue[None] = asyncio.Queue()
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    tasks = []
    for _ in range(count):
        tasks.append(asyncio.create_task(hold(host, port, pace, opened)))
        await asyncio.sleep(0.001)  # not one burst: the server's accept queue is finite
    for _ in range(count):
        await opened.get()
    print(f"open {count}", flush=True)
    await stop.wait()
    for task in tasks:
        task.cancel()


if __name__ == "__main__":
    pace = float(sys.argv[3]) if len(sys.argv) > 3 else 1.0
    asyncio.run(main(sys.argv[1], int(sys.argv[2]), pace))
