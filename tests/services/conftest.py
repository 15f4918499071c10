"""The services tests save every case state through the compaction's shadow check (``tests/compaction.py``):
each state saved on every path they drive is compared with the same case saved with its whole history."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.compaction import ShadowSerializer


@pytest.fixture(autouse=True)
def compaction_checked(request: pytest.FixtureRequest) -> Iterator[ShadowSerializer | None]:
    if "rt" not in request.fixturenames and "app" not in request.fixturenames:
        yield None
        return
    rt = request.getfixturevalue("rt")
    shadow = ShadowSerializer()
    rt.engine.serializer = shadow
    yield shadow
