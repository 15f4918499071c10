"""JSON request bodies read safely: bounded size, depth and count of values, no NaN or Infinity,
no control characters and no lone surrogates.

webargs (under flask-smorest) parses bodies with the standard ``json.loads``, which accepts
``NaN``, nests as deep as the interpreter allows (a body 50,000 levels deep raised RecursionError),
lets a NUL byte through to PostgreSQL and fails on an integer of more than 4,300 digits with a
ValueError that was a 500. Every API blueprint uses this parser instead; each refusal is a 400
naming the field, and an integer too long to be a number of anything stays its digits, which the
form or schema of that field then refuses as not a number (a 4xx on the field).

The number of values is bounded too, before a single Python object is built: 300 kB of ``{},``
is 100,000 values, and every one of them used to be validated and reported (a 24.7 MB answer
after 12 s; 300,000 took the worker down). The count comes from the raw text with its strings
left out (each value but the first of a list or object follows a comma), so it costs a few
passes over the bytes in C; a body over the bound is a 413 with a Vietnamese message.
"""

from __future__ import annotations

import http
import json
import math
import re
from typing import Any, NoReturn

import flask
from flask_smorest import Blueprint
from webargs import core
from webargs.flaskparser import FlaskParser, abort, is_json_request
from werkzeug.exceptions import RequestEntityTooLarge

from app.text import unfit

MAX_DEPTH = 32  # our deepest form nests 6 levels
MAX_DIGITS = 100  # an integer literal longer than this is no count, amount or id: left as its digits
MAX_VALUES = 50_000  # values in one body: our largest form (10,000 people withdrawing) needs about 20,000
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"')
_BLANKS = str.maketrans("", "", " \t\n\r")
_DEEP = re.compile(f"[\\[{{]{{{MAX_DEPTH + 2}}}")  # more openers in a row than the depth allows


class TooManyValues(ValueError):
    """A body holding more JSON values than any form of ours could need."""


class BodyError(ValueError):
    def __init__(self, path: str, message: str) -> None:
        super().__init__(message)
        self.path = path
        self.message = message


def _no_constant(name: str) -> NoReturn:
    raise BodyError("", f"JSON không được chứa {name}.")


def _finite(text: str) -> float:
    """A JSON number with a fraction or exponent; one past a float's range (``1e400``) is refused, not infinity."""
    value = float(text)
    if math.isinf(value):
        raise BodyError("", f"Số {text[:30]} vượt quá giới hạn của số thực.")
    return value


def _integer(digits: str) -> int | str:
    return int(digits) if len(digits) <= MAX_DIGITS else digits


def structure(text: str) -> str:
    """The text with its strings and blanks left out: what counts and nesting are read from."""
    return _STRING.sub("", text).translate(_BLANKS)


def value_count(bare: str) -> int:
    """The number of values a JSON text holds, from its ``structure``: 1 + commas + non-empty lists and objects."""
    return 1 + bare.count(",") + bare.count("[") + bare.count("{") - bare.count("[]") - bare.count("{}")


def load_json(raw: bytes | str) -> Any:
    """Check the structure, parse, then walk the result once (iteratively) for depth and unfit characters."""
    text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
    bare = structure(text)
    if _DEEP.search(bare):  # a body nested deep says so at once, not as too many values
        raise BodyError("", f"JSON lồng nhau quá sâu (tối đa {MAX_DEPTH} tầng).")
    if value_count(bare) > MAX_VALUES:
        raise TooManyValues(f"Dữ liệu JSON có quá nhiều giá trị (tối đa {MAX_VALUES:,} giá trị: số, chuỗi, "
                            "danh sách, đối tượng).".replace(",", ".", 1))
    try:
        value = json.loads(text, parse_constant=_no_constant, parse_int=_integer, parse_float=_finite)
    except RecursionError:
        raise BodyError("", f"JSON lồng nhau quá sâu (tối đa {MAX_DEPTH} tầng).") from None
    _walk(value)
    return value


def _walk(value: Any) -> None:
    pending: list[tuple[Any, str, int]] = [(value, "", 0)]
    while pending:
        node, path, depth = pending.pop()
        if depth > MAX_DEPTH:
            raise BodyError(path, f"JSON lồng nhau quá sâu (tối đa {MAX_DEPTH} tầng).")
        if isinstance(node, dict):
            for key, item in node.items():
                where = f"{path}.{key}" if path else str(key)
                reason = unfit(key)
                if reason:
                    raise BodyError(path, f"Tên trường: {reason[0].lower()}{reason[1:]}")
                pending.append((item, where, depth + 1))
        elif isinstance(node, list):
            pending.extend((item, f"{path}.{index}" if path else str(index), depth + 1) for index, item in enumerate(node))
        elif isinstance(node, str) and (reason := unfit(node)):
            raise BodyError(path, reason)


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
        except TooManyValues as error:
            raise RequestEntityTooLarge(description=str(error)) from None

    def _handle_invalid_json_error(self, error: Any, req: flask.Request, *args: Any, **kwargs: Any) -> NoReturn:
        abort(400, exc=error, messages={"json": {"_body": ["Nội dung không phải JSON hợp lệ."]}})


ERROR_STATUSES = (400, 401, 403, 404, 409, 413, 414, 422, 429, 431)  # what any operation may answer besides its success


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

    def arguments(self, schema: Any, *args: Any, **kwargs: Any) -> Any:
        """A schema class is made into its instance once, here: webargs would make one on every request.

        marshmallow 4's schemas keep no state between loads, so one instance serves every request and thread.
        """
        return super().arguments(schema() if isinstance(schema, type) else schema, *args, **kwargs)

    def _document_errors(self, view: Any) -> Any:
        for status in ERROR_STATUSES:
            view = self.alt_response(status, response=http.HTTPStatus(status).name)(view)
        return view
