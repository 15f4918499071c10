"""Authentication for API calls (HTTP Basic or bearer token), and the caller's tokens.

A password is checked through the same throttle as the sign-in page (per user name in the
database, per address by Flask-Limiter); scripts should trade it for a token once. Tokens expire
and are listed and revoked by their owner or the admin.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import current_app, g, request
from marshmallow import Schema, fields, validate

from app.api.parsing import ApiBlueprint
from app.api.schemas import Number
from app.errors import NotAuthenticated
from app.read_log import read_logger
from app.services import sessions
from app.services.principal import Principal
from app.services.runtime import Runtime

blp = ApiBlueprint("auth", __name__, url_prefix="/api/auth", description="Xác thực và mã truy cập")


def runtime() -> Runtime:
    rt: Runtime = current_app.extensions["runtime"]
    return rt


def current_principal() -> Principal:
    principal: Principal = g.principal
    return principal


def client() -> sessions.Client:
    return sessions.Client(request.remote_addr or "", request.headers.get("User-Agent", ""), "api")


logs_read = read_logger(current_principal)  # under ``login_required``: record the read of a case once the view answered


def login_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Resolve the caller from Authorization: Basic (password) or Bearer (token)."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        auth = request.authorization
        if auth is None:
            raise NotAuthenticated("Cần xác thực: HTTP Basic hoặc Bearer token.")
        if auth.type == "basic" and auth.username and auth.password is not None:
            g.principal = sessions.check_password(runtime(), auth.username, auth.password, client())
        elif auth.type == "bearer" and auth.token:
            g.principal = sessions.authenticate_token(runtime(), auth.token)
        else:
            raise NotAuthenticated("Kiểu xác thực không được hỗ trợ.")
        return view(*args, **kwargs)

    return wrapper


class TokenRequest(Schema):
    name = fields.String(load_default="api", validate=validate.Length(max=100),
                         metadata={"description": "Tên gợi nhớ của mã truy cập"})
    days = Number(load_default=None, maximum=3650,
                  metadata={"description": "Số ngày hiệu lực (tối đa theo cấu hình API_TOKEN_DAYS)"})


class TokenFilter(Schema):
    user = fields.String(load_default=None, validate=validate.Length(max=64),
                         metadata={"description": "Tên đăng nhập của người khác (chỉ quản trị)"})


class MeSchema(Schema):
    username = fields.String(required=True)
    roles = fields.List(fields.String())
    organisation = fields.String(allow_none=True)


class TokenSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    created_at = fields.DateTime(required=True)
    expires_at = fields.DateTime(required=True)
    revoked_at = fields.DateTime(allow_none=True)
    revoked_by = fields.String(allow_none=True)
    active = fields.Boolean(required=True)


class IssuedTokenSchema(TokenSchema):
    token = fields.String(required=True, metadata={"description": "Chỉ hiển thị một lần"})
    username = fields.String(required=True)
    roles = fields.List(fields.String())


def token_dict(rt: Runtime, token: Any) -> dict[str, Any]:
    body = {name: getattr(token, name) for name in ("id", "name", "created_at", "expires_at", "revoked_at",
                                                     "revoked_by")}
    body["active"] = token.revoked_at is None and token.expires_at > rt.now()
    return body


@blp.route("/tokens", methods=["POST"])
@blp.arguments(TokenRequest)
@blp.response(201, IssuedTokenSchema)
@login_required
def create_token(args: dict[str, Any]) -> dict[str, Any]:
    """Đổi mật khẩu lấy mã truy cập (Bearer) cho script; mã chỉ hiển thị một lần và có hạn dùng."""
    rt, principal = runtime(), current_principal()
    by_password = request.authorization is not None and request.authorization.type == "basic"
    issued = sessions.issue_token(rt, principal, args["name"], args["days"], client(), by_password=by_password)
    return {**token_dict(rt, issued.token), "token": issued.value, "username": principal.username,
            "roles": sorted(principal.roles)}


@blp.route("/tokens")
@blp.arguments(TokenFilter, location="query")
@blp.response(200, TokenSchema(many=True))
@login_required
def list_tokens(args: dict[str, Any]) -> list[dict[str, Any]]:
    """Các mã truy cập của người gọi (quản trị: của một người dùng bất kỳ), mới nhất trước."""
    rt = runtime()
    return [token_dict(rt, t) for t in sessions.list_tokens(rt, current_principal(), args["user"])]


@blp.route("/tokens/<id:token_id>", methods=["DELETE"])
@blp.response(204)
@login_required
def revoke_token(token_id: int) -> None:
    """Thu hồi một mã truy cập (người sở hữu hoặc quản trị); thu hồi lần nữa không thay đổi gì."""
    sessions.revoke_token(runtime(), current_principal(), token_id)


@blp.route("/me")
@blp.response(200, MeSchema)
@login_required
def me() -> dict[str, Any]:
    """Người đang gọi API, các vai trò và cơ quan."""
    principal = current_principal()
    return {"username": principal.username, "roles": sorted(principal.roles), "organisation": principal.organisation}
