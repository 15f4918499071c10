"""JSON request bodies read safely: bounded depth, no NaN or Infinity, no control characters.

webargs (under flask-smorest) parses bodies with the standard ``json.loads``, which accepts
``NaN``, nests as deep as the interpreter allows (a body 50,000 levels deep raised RecursionError),
lets a NUL byte through to PostgreSQL and fails on an integer of more than 4,300 digits with a
ValueError that was a 500. Every API blueprint uses this parser instead; each refusal is a 400
naming the field, and an integer too long to be a number of anything stays its digits, which the
form or schema of that field then refuses as not a number (a 4xx on the field).
"""

from __future__ import annotations

import http
import json
from typing import Any, NoReturn

import flask
from flask_smorest import Blueprint
from webargs import core
from webargs.flaskparser import FlaskParser, abort, is_json_request

from app.text import has_control

MAX_DEPTH = 32  # our deepest form nests 6 levels
MAX_DIGITS = 100  # an integer literal longer than this is no count, amount or id: left as its digits


class BodyError(ValueError):
    def __init__(self, path: str, message: str) -> None:
        super().__init__(message)
        self.path = path
        self.message = message


def _no_constant(name: str) -> NoReturn:
    raise BodyError("", f"JSON không được chứa {name}.")


def _integer(digits: str) -> int | str:
    return int(digits) if len(digits) <= MAX_DIGITS else digits


def load_json(raw: bytes | str) -> Any:
    """Parse a body, then walk it once (iteratively) for depth and control characters."""
    text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
    try:
        value = json.loads(text, parse_constant=_no_constant, parse_int=_integer)
    except RecursionError:
        raise BodyError("", f"JSON lồng nhau quá sâu (tối đa {MAX_DEPTH} tầng).") from None
    pending: list[tuple[Any, str, int]] = [(value, "", 0)]
    while pending:
        node, path, depth = pending.pop()
        if depth > MAX_DEPTH:
            raise BodyError(path, f"JSON lồng nhau quá sâu (tối đa {MAX_DEPTH} tầng).")
        if isinstance(node, dict):
            for key, item in node.items():
                where = f"{path}.{key}" if path else str(key)
                if has_control(key):
                    raise BodyError(path, "Tên trường chứa ký tự điều khiển không hợp lệ.")
                pending.append((item, where, depth + 1))
        elif isinstance(node, list):
            pending.extend((item, f"{path}.{index}" if path else str(index), depth + 1) for index, item in enumerate(node))
        elif isinstance(node, str) and has_control(node):
            raise BodyError(path, "Chứa ký tự điều khiển không hợp lệ (ví dụ ký tự NUL).")
    return value


class SafeParser(FlaskParser):
    DEFAULT_VALIDATION_STATUS = 400  # what the error handler answers (invalid_input), and so what the spec says

    def _raw_load_json(self, req: flask.Request) -> Any:
        if not is_json_request(req):
            return core.missing
        try:
            return load_json(req.get_data(cache=True))
        except UnicodeDecodeError:
            abort(400, messages={"json": {"_body": ["Nội dung không phải UTF-8."]}})
        except BodyError as error:
            abort(400, messages={"json": {error.path or "_body": [error.message]}})

    def _handle_invalid_json_error(self, error: Any, req: flask.Request, *args: Any, **kwargs: Any) -> NoReturn:
        abort(400, exc=error, messages={"json": {"_body": ["Nội dung không phải JSON hợp lệ."]}})


ERROR_STATUSES = (400, 401, 403, 404, 409, 413, 422, 429)  # what any operation may answer besides its success


class ApiBlueprint(Blueprint):
    """Every API blueprint: flask-smorest's, with the safe body parser and every error status documented."""

    ARGUMENTS_PARSER = SafeParser()

    def route(self, rule: str, *, parameters: Any = None, tags: Any = None, **options: Any) -> Any:
        register = super().route(rule, parameters=parameters, tags=tags, **options)

        def decorator(view: Any) -> Any:
            if isinstance(view, type):  # a MethodView: document each of its methods
                for method in ("get", "post", "put", "patch", "delete"):
                    if hasattr(view, method):
                        setattr(view, method, self._document_errors(getattr(view, method)))
                return register(view)
            return register(self._document_errors(view))

        return decorator

    def _document_errors(self, view: Any) -> Any:
        for status in ERROR_STATUSES:
            view = self.alt_response(status, response=http.HTTPStatus(status).name)(view)
        return view
