"""The engine on its own, on the suite's frozen clock (``tests/conftest.py``: 17/02/2021, 09:00 in Vietnam)."""

from __future__ import annotations

import pytest

from app.clock import FrozenClock
from app.engine import Engine, LegalCalendar
from app.engine.calendar import load_default_overrides
from tests.compaction import ShadowSerializer


@pytest.fixture
def engine(clock: FrozenClock) -> Engine:
    engine = Engine(LegalCalendar(load_default_overrides()), now=clock.now)
    engine.serializer = ShadowSerializer()  # every state saved is checked against its full history
    return engine
