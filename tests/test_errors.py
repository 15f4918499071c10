"""Every application error has a stable code and status, and the API answers it as JSON."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask

from app import create_app, errors
from app.errors import ALL_ERRORS, AppError
from tests.conftest import TEST_CONFIG


def _subclasses(cls: type[AppError]) -> set[type[AppError]]:
    found = set()
    for sub in cls.__subclasses__():
        found |= {sub, *_subclasses(sub)}
    return found


def test_every_error_class_is_listed_with_a_unique_code() -> None:
    assert set(ALL_ERRORS) == {AppError, *_subclasses(AppError)}
    codes = [e.code for e in ALL_ERRORS]
    assert len(codes) == len(set(codes))
    assert all(400 <= e.status < 600 for e in ALL_ERRORS)


@pytest.fixture
def app(sqlite_url: str, tmp_path: Path) -> Flask:
    return create_app({**TEST_CONFIG, "DATABASE_URL": sqlite_url, "INSTANCE_DIR": str(tmp_path)})


@pytest.mark.parametrize("error", ALL_ERRORS, ids=lambda e: e.code)
def test_the_api_answers_every_error_with_its_status_code_and_vietnamese_message(app: Flask,
                                                                                 error: type[AppError]) -> None:
    @app.get(f"/__raise/{error.code}")
    def _raise() -> None:
        raise error(fields={"x": "sai"} if issubclass(error, errors.FormValidationError) else None)

    response = app.test_client().get(f"/__raise/{error.code}")
    assert response.status_code == error.status
    body = response.get_json()
    assert body["error"] == error.code and body["message"] == error.default_message
