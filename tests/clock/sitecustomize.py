"""Shift the wall clock of every Python process of a test run: `.ci/hunt` puts this folder
on PYTHONPATH with HUNT_CLOCK (ISO 8601 with an offset). The first process starts at that
moment and notes when, in real time, it did (HUNT_CLOCK_AT); the processes it starts (servers,
CLI commands) inherit both and so share one shifted clock that moves on in real time.
time-machine shifts the wall clock only: monotonic clocks and timed waits stay real."""

import importlib.util
import os
import time
from datetime import datetime, timedelta

# pip and the system Python run before the project is installed: only the project's shift
if (moment := os.environ.get("HUNT_CLOCK")) and importlib.util.find_spec("time_machine"):
    import time_machine

    started = float(os.environ.setdefault("HUNT_CLOCK_AT", repr(time.time())))
    shifted = datetime.fromisoformat(moment) + timedelta(seconds=time.time() - started)
    time_machine.travel(shifted, tick=True).start()
