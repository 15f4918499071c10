"""``--dist loadfile`` with the suite's longest tests started first, each on its own.

xdist hands out whole files, the files with most tests first. The fuzz file holds two tests of about
90 s each (one per backend): as one unit of two tests it came last, so one worker ran both at the end
while the other sat idle. Here each of them is a unit of its own, and those units go out before any
file, so the two run side by side while the rest of the suite fills in around them. Every other file
is still one unit: its module fixtures and imports are paid once, on one worker.
"""

from __future__ import annotations

from xdist.scheduler import LoadFileScheduling
from xdist.workermanage import WorkerController

LONG_TESTS = ("tests/api/test_fuzz.py::",)  # node id prefixes: each test under them is a unit, handed out first


def _long(nodeid: str) -> bool:
    return nodeid.startswith(LONG_TESTS)


class LongTestsFirst(LoadFileScheduling):
    """Files as units, except the long tests: one unit each, at the head of the queue."""

    def _split_scope(self, nodeid: str) -> str:
        return nodeid if _long(nodeid) else super()._split_scope(nodeid)

    def _assign_work_unit(self, node: WorkerController) -> None:
        for scope in [scope for scope in self.workqueue if _long(scope)]:
            self.workqueue.move_to_end(scope, last=False)
        super()._assign_work_unit(node)
