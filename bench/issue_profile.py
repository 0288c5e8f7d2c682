"""Where one command's time goes: cProfile over N in-process `Registry.issue` calls.

    python -m bench.issue_profile sqlite:///tmp/p.sqlite 500 [LINES]

Prints the wall time a command and the functions with the most cumulative time (the
registry's own first); the store must be new (numbers are allocated from the year's last).
"""

import cProfile
import pstats
import sys
import time

from bench.writes import issue_request
from registry.application import open_registry
from registry.settings import Settings


def main(url: str, count: int, lines: int = 30) -> None:
    with open_registry(Settings(database_url=url)) as registry:
        requests = [issue_request(i) for i in range(count)]
        registry.issue(actor="bench", **requests[0])  # connections, caches: not profiled
        profile = cProfile.Profile()
        started = time.perf_counter()
        profile.enable()
        for request in requests[1:]:
            registry.issue(actor="bench", **request)
        profile.disable()
        seconds = time.perf_counter() - started
    print(f"{count - 1} issues, {1000 * seconds / (count - 1):.2f} ms each (profiled)")
    stats = pstats.Stats(profile).sort_stats("cumulative")
    stats.print_stats(lines)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), *(int(a) for a in sys.argv[3:4]))
