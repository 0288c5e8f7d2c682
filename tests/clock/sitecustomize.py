"""Shift the wall clock of every Python process of a test run: `.ci/hunt` puts this folder
on PYTHONPATH with HUNT_CLOCK (ISO 8601 with an offset). The first process starts at that
moment and notes when, in real time, it did (HUNT_CLOCK_AT); the processes it starts (servers,
CLI commands) inherit both and so share one shifted clock that moves on in real time.
time-machine shifts the wall clock only: monotonic clocks and timed waits stay real.

With TEST_CLOCK_SHIFT_FILE (see `tests.processes.clock_env`), a test also moves a server's
clock while it runs: the file holds seconds added to the wall clock, read again whenever
the test replaces it (`tests.processes.move_clock`), so no one waits for time to pass."""

import importlib.util
import os
import time
from datetime import UTC, datetime, timedelta

SHIFT_FILE = os.environ.get("TEST_CLOCK_SHIFT_FILE")
_read: list[tuple[int, int, int]] = []  # (inode, mtime, shift in ns) of the file last read


def _shift_ns(path: str) -> int:
    found = os.stat(path)
    if not _read or _read[0][:2] != (found.st_ino, found.st_mtime_ns):
        with open(path, encoding="ascii") as file:
            _read[:] = [(found.st_ino, found.st_mtime_ns, round(float(file.read()) * 1e9))]
    return _read[0][2]


# pip and the system Python run before the project is installed: only the project's shift
moment = os.environ.get("HUNT_CLOCK")
if (moment or SHIFT_FILE) and importlib.util.find_spec("time_machine"):
    import time_machine

    if moment:
        started = float(os.environ.setdefault("HUNT_CLOCK_AT", repr(time.time())))
        shifted = datetime.fromisoformat(moment) + timedelta(seconds=time.time() - started)
    else:
        shifted = datetime.now(UTC)
    traveller = time_machine.travel(shifted, tick=True).start()
    if SHIFT_FILE:
        ticking, shift_file = traveller.time_ns, SHIFT_FILE
        # time-machine's patched clocks ask the traveller for the time: this one adds the shift
        traveller.time_ns = lambda: ticking() + _shift_ns(shift_file)  # type: ignore[method-assign]
