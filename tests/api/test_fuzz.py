"""Requests generated from the API's own OpenAPI document (schemathesis), as three roles, on both databases.

Every operation gets positive data (what the document allows) and negative data (what it
forbids), sent as a province-wide reception officer, a resolver and an auditor against a database
with real cases in it. Each answer must be: not a server error; a status the document declares;
a body that matches the schema the document gives for that status; and, when it is a 4xx, the
database must be as it was before the request.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import func, select

from app.clock import FrozenClock
from app.persistence.models import Attachment, AuditEvent, Escalation, Instance, ReceptionRecord, TaskRow
from app.services import cases as case_service
from app.services import timers, users
from app.services.runtime import Runtime
from tests import cases
from tests.conftest import basic, vn

ROLES = ("reception", "resolver", "auditor")
EXAMPLES = 40  # at most, per operation and generation mode (Hypothesis stops early when it runs out of cases)
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
SKIPPED = {"POST /api/auth/tokens"}  # fuzzed passwords would lock the demo names; tested by hand instead


def _fingerprint(rt: Runtime) -> tuple[int, ...]:
    with rt.db.reading() as session:
        counts = [session.scalar(select(func.count()).select_from(model)) or 0
                  for model in (Instance, AuditEvent, TaskRow, Escalation, ReceptionRecord, Attachment)]
        versions = session.scalar(select(func.coalesce(func.sum(Instance.version), 0))) or 0
        return (*counts, int(versions))


def _world(rt: Runtime, clock: FrozenClock) -> None:
    """Real rows for ids to hit: two complaints (one a step further), a reception plan, an escalation."""
    clock.set(vn(2021, 2, 17))
    reception = users.authenticate_password(rt, "reception", "demo")
    first = case_service.start_case(rt, reception, "complaint_second_level", cases.petition()).instance.id
    case_service.start_case(rt, reception, "complaint_second_level", cases.petition())
    clock.set(vn(2021, 3, 22))
    inspectorate = users.authenticate_password(rt, "inspectorate", "demo")
    case_service.start_case(rt, inspectorate, "na_session_reception", {
        "session_name": "Kỳ họp thứ 11", "window_start": "2021-03-24", "window_end": "2021-04-07",
        "reception_start": "2021-03-24", "reception_end": "2021-04-07",
        "receive_on_weekends": False, "reception_office": "Trụ sở Tiếp công dân tỉnh",
        "units": [{"code": "U01", "name": "Sở Tài chính", "kind": "department", "organisation": "Sở Tài chính"}],
        "documents": [{"number": "930/UBND-TD", "issued_on": "2021-03-22", "title": "Về việc tiếp công dân"}]})
    timers.run_worker(rt, "fuzz", until_idle=True)
    assert first


@pytest.mark.e2e
def test_generated_requests_get_documented_answers_and_refusals_change_nothing(app: Flask, rt: Runtime,
                                                                              clock: FrozenClock) -> None:
    _world(rt, clock)
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    sent: Counter[str] = Counter()
    problems: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        label = f"{operation.method.upper()} {operation.path}"
        if label in SKIPPED:
            continue
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            _probe(rt, operation, mode, label, sent, problems)
    total = sum(sent.values())
    print(f"\nfuzz: {total} requests, {len(sent)} operations x modes, roles {', '.join(ROLES)}; "
          f"statuses {dict(sorted(Counter(k.split()[-1] for k in sent.elements()).items()))}")
    assert not problems, "\n".join(problems[:40])
    assert total >= 1000


def _probe(rt: Runtime, operation: Any, mode: GenerationMode, label: str, sent: Counter[str],
           problems: list[str]) -> None:
    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(generation_mode=mode), role=st.sampled_from(ROLES))
    def probe(case: Any, role: str) -> None:
        before = _fingerprint(rt)
        response = case.call(headers=basic(role))
        sent[f"{label} {response.status_code}"] += 1
        try:
            case.validate_response(response, checks=CHECKS)
        except Exception as failure:
            problems.append(f"{label} as {role} ({mode}): {str(failure).splitlines()[0][:300]}")
        if 400 <= response.status_code < 500 and _fingerprint(rt) != before:
            problems.append(f"{label} as {role}: {response.status_code} but the database changed")

    probe()
