"""Every error as a Vietnamese page: the message, what to do next, the right status; never a trace.

Errors raised by the pages are handled on the blueprint; URLs that match no route at all are
answered here too, as a page, except under ``/api/`` where the JSON API's own handler answers.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, flash, redirect, render_template, request, url_for
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from app.errors import AppError, NotAuthenticated
from app.limits import OWN_WORDS
from app.web.blueprint import bp

TITLES = {
    400: "Yêu cầu không hợp lệ", 401: "Cần đăng nhập", 403: "Không có quyền truy cập", 404: "Không tìm thấy",
    405: "Thao tác không được hỗ trợ", 409: "Hồ sơ đã thay đổi", 413: "Dữ liệu quá lớn", 414: "Địa chỉ quá dài",
    422: "Không thực hiện được", 429: "Quá nhiều lần thử", 431: "Yêu cầu quá lớn", 500: "Lỗi hệ thống",
}
MESSAGES = {
    400: "Yêu cầu gửi lên không hợp lệ.",
    403: "Bạn không có quyền xem trang này hoặc thực hiện thao tác này.",
    404: "Trang hoặc hồ sơ bạn tìm không tồn tại.",
    405: "Trang này không nhận thao tác đó.",
    413: "Dữ liệu gửi lên quá lớn (tổng các tệp tối đa 32 MB, mỗi tệp tối đa 10 MB).",
    414: "Địa chỉ (URL) quá dài.",
    431: "Yêu cầu có quá nhiều tiêu đề (header) hoặc tiêu đề quá dài.",
    429: "Có quá nhiều lần thử trong thời gian ngắn; hãy thử lại sau ít phút.",
    500: "Đã có lỗi hệ thống; sự cố đã được ghi lại. Hãy thử lại sau ít phút.",
}


def error_page(status: int, message: str | None = None, headers: list[tuple[str, str]] | None = None) -> Any:
    page = render_template("error.html", status=status, title=TITLES.get(status, "Lỗi"),
                           message=message or MESSAGES.get(status, "Đã có lỗi."))
    return page, status, [(k, v) for k, v in headers or [] if k.lower() != "content-type"]


@bp.errorhandler(AppError)
def _app_error(error: AppError) -> Any:
    if isinstance(error, NotAuthenticated):
        flash(error.message, "error")
        return redirect(url_for("web.login", next=request.full_path.rstrip("?")))
    return error_page(error.status, error.message)


@bp.errorhandler(CSRFError)
def _csrf_error(error: CSRFError) -> Any:
    return error_page(400, "Phiên làm việc của biểu mẫu đã hết hạn hoặc không hợp lệ (mã chống giả mạo CSRF). "
                           "Hãy tải lại trang và gửi lại.")


@bp.errorhandler(HTTPException)
def _http_error(error: HTTPException) -> Any:
    if error.code == 429:  # the per-address throttle (Flask-Limiter): say it where the officer signs in
        if request.endpoint == "web.login":
            return render_template("login.html", next=request.form.get("next", ""),
                                   username=request.form.get("username", ""), error=error.description), 429
        return error_page(429, error.description, error.get_headers())
    return error_page(error.code or 500, _own_words(error), error.get_headers())


def _own_words(error: HTTPException) -> str | None:
    """Our own Vietnamese description (a control character, too many fields, a URL too long), else None."""
    own = error.code in OWN_WORDS and error.description != type(error).description
    return str(error.description) if own else None


@bp.errorhandler(Exception)
def _unexpected(error: Exception) -> Any:
    current_app.logger.exception("unhandled error in a web page")
    return error_page(500)


def register(app: Flask) -> None:
    """Pages for URLs no route matches (outside /api/), keeping the API's JSON answers there."""
    api_handler = app.error_handler_spec.get(None, {}).get(None, {}).get(HTTPException)

    def not_routed(error: HTTPException) -> Any:
        if request.path.startswith("/api/") and api_handler is not None:
            return api_handler(error)
        return error_page(error.code or 404, _own_words(error), error.get_headers())

    for code in (400, 404, 405, 413, 414, 431):
        app.register_error_handler(code, not_routed)
