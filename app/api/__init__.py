"""The JSON API: flask-smorest blueprints, marshmallow schemas at the edge, one error handler."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from flask import Flask, jsonify, request
from flask_smorest import Api
from werkzeug.exceptions import HTTPException

from app.api.schemas import ErrorSchema
from app.errors import AppError
from app.limits import OWN_WORDS
from app.ratelimit import api_sign_in
from app.request_context import request_id
from app.routing import SCHEMAS

HTTP_ERRORS = {  # status -> (code, Vietnamese message) for errors raised by Flask itself
    400: ("invalid_input", "Yêu cầu không hợp lệ."),
    401: ("not_authenticated", "Cần xác thực: HTTP Basic hoặc Bearer token."),
    404: ("not_found", "Không tìm thấy địa chỉ này."),
    405: ("method_not_allowed", "Địa chỉ này không nhận phương thức đó."),
    413: ("payload_too_large", "Dữ liệu gửi lên quá lớn."),
    414: ("uri_too_long", "Địa chỉ (URL) quá dài."),
    429: ("too_many_attempts", "Có quá nhiều lần xác thực sai từ máy này; hãy thử lại sau ít phút."),
    431: ("headers_too_large", "Yêu cầu có quá nhiều tiêu đề (header) hoặc tiêu đề quá dài."),
}


class ProductApi(Api):
    """flask-smorest's Api, documenting the error body this API really answers."""

    ERROR_SCHEMA = ErrorSchema


def init_app(app: Flask, extra: Sequence[Any] = ()) -> None:
    app.config.update({
        "API_TITLE": "Khiếu nại lần hai & tiếp công dân — API",
        "API_VERSION": "1.0",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api",
        "OPENAPI_JSON_PATH": "openapi.json",
        "API_SPEC_OPTIONS": {
            "components": {"securitySchemes": {
                "basic": {"type": "http", "scheme": "basic"},
                "bearer": {"type": "http", "scheme": "bearer"},
            }},
            "security": [{"basic": []}, {"bearer": []}],
        },
    })
    api = ProductApi(app)
    for converter, schema in SCHEMAS.items():
        api.register_converter(converter, lambda _converter, schema=schema: dict(schema))
    from app.api import accesses, audit, auth, documents, instances, integrity, operations, organisations, processes, tasks

    modules = (auth, processes, instances, tasks, operations, organisations, documents, audit, accesses, integrity)
    for blp in [*(module.blp for module in modules), *extra]:  # ``extra``: the procedures' own routes
        api_sign_in(blp)  # failed authentications (401) from one address are throttled
        api.register_blueprint(blp)
    _register_errors(app)

    @app.before_request
    def _api_body_limit() -> None:
        """A JSON request is small; only the pages' forms carry files (``MAX_CONTENT_LENGTH``)."""
        if request.path.startswith("/api/") and not (request.path.startswith("/api/documents/")
                                                     and request.path.endswith(documents.SIGNED_PATH)):
            request.max_content_length = int(app.config["API_MAX_BODY"])


def _register_errors(app: Flask) -> None:
    @app.errorhandler(AppError)
    def _app_error(error: AppError) -> Any:
        if error.private_details():  # the interpreter's words: for the log (and the incident), not the caller
            app.logger.warning("%s refused: %s %s", request.path, error.code, error.private_details())
        response = jsonify({**error.to_dict(), "request_id": request_id()})
        if "retry_after" in error.details:
            response.headers["Retry-After"] = str(error.details["retry_after"])
        return response, error.status

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> Any:
        fields = _webargs_fields(error)
        if fields is not None:
            body = {"error": "invalid_input", "message": "Yêu cầu không hợp lệ.", "fields": fields, "request_id": request_id()}
            return jsonify(body), 400
        code, message = HTTP_ERRORS.get(error.code or 0, ("http_error", error.description or error.name))
        if error.code in OWN_WORDS and error.description != type(error).description:
            message = str(error.description)  # our own words (a control character in the address, too many values)
        response = jsonify({"error": code, "message": message, "request_id": request_id()})
        for name, value in error.get_headers():  # Allow on 405, Retry-After on 429
            if name.lower() != "content-type":
                response.headers[name] = value
        return response, error.code

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> Any:
        app.logger.exception("unhandled error")
        return jsonify({"error": "internal_error", "message": "Lỗi hệ thống; sự cố đã được ghi lại.",
                        "request_id": request_id()}), 500


_MARSHMALLOW = {  # marshmallow's messages, as the officers' language says them
    "Unknown field.": "Trường không thuộc yêu cầu này.",
    "Missing data for required field.": "Thiếu trường bắt buộc.",
    "Not a valid integer.": "Phải là số nguyên, viết bằng chữ số.",
    "Not a valid string.": "Phải là chuỗi ký tự.",
    "Not a valid boolean.": "Phải là true hoặc false.",
    "Not a valid mapping type.": "Phải là một đối tượng JSON.",
    "Not a valid list.": "Phải là một danh sách.",
    "Not a valid date.": "Phải là ngày dạng YYYY-MM-DD.",
    "Field may not be null.": "Không được là null.",
    "Invalid input type.": "Sai kiểu dữ liệu.",
}
_MARSHMALLOW_PATTERNS = (
    (re.compile(r"Must be greater than or equal to (\S+) and less than or equal to (\S+)\."), "Phải từ {0} đến {1}."),
    (re.compile(r"Must be greater than or equal to (\S+)\."), "Phải lớn hơn hoặc bằng {0}."),
    (re.compile(r"Longer than maximum length (\d+)\."), "Dài quá {0} ký tự."),
    (re.compile(r"Must be one of: (.*)\."), "Phải là một trong: {0}."),
)


def vietnamese(message: str) -> str:
    """A validation message of marshmallow's in Vietnamese (ours already are)."""
    if message in _MARSHMALLOW:
        return _MARSHMALLOW[message]
    for pattern, text in _MARSHMALLOW_PATTERNS:
        found = pattern.fullmatch(message)
        if found:
            return text.format(*found.groups())
    return message


def _webargs_fields(error: HTTPException) -> dict[str, str] | None:
    """Flatten marshmallow's nested messages from a 422 raised by webargs into path -> text."""
    messages = getattr(error, "data", {}).get("messages") if error.code in {400, 422} else None
    if not messages:
        return None
    flat: dict[str, str] = {}

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, dict):
            for key, sub in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), sub)
        else:
            texts = value if isinstance(value, list) else [value]
            flat[prefix] = "; ".join(vietnamese(str(text)) for text in texts)

    for location in messages.values():
        walk("", location)
    return flat
