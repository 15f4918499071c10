"""Failed sign-ins per client address, throttled with Flask-Limiter on both surfaces.

One shared scope for the sign-in page and every API call that authenticates with a password or a
token: only failures (401) count, and once an address has failed ``RATELIMIT_SIGN_IN_ADDRESS``
times every further attempt from it is answered 429 until the window passes. The counters live
in ``RATELIMIT_STORAGE_URI`` (each process's memory by default; ``redis://…`` shares them across
nodes). The per-user-name count, which must hold across every process, is in the database
(``app.services.sessions``).
"""

from __future__ import annotations

from flask import Flask, Response, current_app
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from werkzeug.middleware.proxy_fix import ProxyFix

limiter = Limiter(key_func=get_remote_address)


def _address_limit() -> str:
    return str(current_app.config["RATELIMIT_SIGN_IN_ADDRESS"])


def _failed(response: Response) -> bool:
    return response.status_code == 401


TOO_MANY = "Có quá nhiều lần đăng nhập sai từ máy này; hãy thử lại sau ít phút."
api_sign_in = limiter.shared_limit(_address_limit, scope="sign-in", deduct_when=_failed, error_message=TOO_MANY)
web_sign_in = limiter.shared_limit(_address_limit, scope="sign-in", deduct_when=_failed, error_message=TOO_MANY,
                                   methods=["POST"])


def init_app(app: Flask) -> None:
    proxies = int(app.config.get("TRUSTED_PROXY_COUNT") or 0)
    if proxies:  # believe X-Forwarded-For from exactly that many proxies in front, no more
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]
    limiter.init_app(app)
