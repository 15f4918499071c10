"""Python's AST conversions, one thread at a time.

CPython 3.11 keeps the recursion depth of its AST converters (C tree <-> ``ast`` objects) in state
shared by every thread, so ``ast.parse``, ``ast.literal_eval`` or ``compile`` of an ``ast`` object in
two threads at once (two requests compiling a deployment in a threaded server, or a test's threads)
can fail with «SystemError: AST constructor recursion depth mismatch». Every such call of ours holds
``AST_LOCK``; compiled code is cached, so this is paid once per script, not per run.
"""

from __future__ import annotations

import threading

AST_LOCK = threading.RLock()
