"""Deploy and drive the small timer fixture (tests/fixtures/timer_demo) through the services."""

from __future__ import annotations

from pathlib import Path

from app.services import cases, deploy
from app.services.principal import Principal
from app.services.runtime import Runtime

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "timer_demo"
ANALYST = Principal(0, "analyst", "Analyst", frozenset({"analyst"}))
RESOLVER = Principal(0, "resolver", "Resolver", frozenset({"resolver"}))


def deploy_timer_demo(rt: Runtime) -> None:
    files = {
        f"{'processes' if p.suffix == '.bpmn' else 'forms'}/timer_demo/{p.name}": p.read_text(encoding="utf-8")
        for p in FIXTURE.iterdir()
    }
    deploy.deploy(rt, ANALYST, "timer_demo", files)


def start_timer_demo(rt: Runtime, deadline: str) -> int:
    return cases.start_case(rt, RESOLVER, "timer_demo", {"demo_deadline": deadline}).instance.id
