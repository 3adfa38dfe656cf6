"""Running one action from many threads at once, for races on real PostgreSQL."""

import threading
from collections.abc import Callable

from django.db import connection


def run_at_once(count: int, action: Callable[[int], str]) -> list[str]:
    """Start `count` threads behind a barrier; each runs action(n) and reports its outcome.

    Every thread closes its own database connection, so the test database can be dropped.
    """
    outcomes: list[str] = []
    start = threading.Barrier(count)

    def worker(n: int) -> None:
        try:
            start.wait()
            outcomes.append(action(n))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes
