"""Running work in several threads at once, for tests of what must hold under concurrency."""

from __future__ import annotations

import threading
from collections.abc import Callable


def run_at_once(count: int, work: Callable[[int], None]) -> list[BaseException]:
    """Start ``work(0..count-1)`` in threads released together; return what any of them raised."""
    barrier, failures = threading.Barrier(count), []

    def run(index: int) -> None:
        barrier.wait()
        try:
            work(index)
        except BaseException as error:
            failures.append(error)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    return failures
