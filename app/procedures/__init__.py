"""Procedures as plug-ins: what only one process knows, registered by the app factory.

Each sub-package is named after its process id and offers ``procedure()`` (its registry entry,
contract included) and, when it has pages or API routes, ``init_app``/``api_blueprints``. Generic
modules never import this package (import-linter forbids it); they ask ``rt.procedures``.
"""

from __future__ import annotations

from typing import Any

from flask import Flask

from app.procedures import complaint_second_level, na_session_reception
from app.services.procedures import Procedure

_PACKAGES = (complaint_second_level, na_session_reception)


def all_procedures() -> list[Procedure]:
    return [package.procedure() for package in _PACKAGES]


def init_app(app: Flask) -> None:
    """Add the procedures' pages and templates; called before the web blueprint is registered."""
    for package in _PACKAGES:
        if hasattr(package, "init_app"):
            package.init_app(app)


def api_blueprints() -> list[Any]:
    return [blp for package in _PACKAGES for blp in getattr(package, "api_blueprints", list)()]
