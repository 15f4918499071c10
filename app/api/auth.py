"""Authentication for API calls (HTTP Basic or bearer token) and the token endpoint."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import current_app, g, request
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from app.errors import NotAuthenticated
from app.services import users
from app.services.principal import Principal
from app.services.runtime import Runtime

blp = Blueprint("auth", __name__, url_prefix="/api/auth", description="Xác thực")


def runtime() -> Runtime:
    rt: Runtime = current_app.extensions["runtime"]
    return rt


def current_principal() -> Principal:
    principal: Principal = g.principal
    return principal


def login_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Resolve the caller from Authorization: Basic (password) or Bearer (token)."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        auth = request.authorization
        if auth is None:
            raise NotAuthenticated("Cần xác thực: HTTP Basic hoặc Bearer token.")
        if auth.type == "basic" and auth.username and auth.password is not None:
            g.principal = users.authenticate_password(runtime(), auth.username, auth.password)
        elif auth.type == "bearer" and auth.token:
            g.principal = users.authenticate_token(runtime(), auth.token)
        else:
            raise NotAuthenticated("Kiểu xác thực không được hỗ trợ.")
        return view(*args, **kwargs)

    return wrapper


class TokenRequest(Schema):
    name = fields.String(load_default="api", metadata={"description": "Tên gợi nhớ của mã truy cập"})


class MeSchema(Schema):
    username = fields.String(required=True)
    roles = fields.List(fields.String())


class TokenResponse(MeSchema):
    token = fields.String(required=True)


@blp.route("/tokens", methods=["POST"])
@blp.arguments(TokenRequest)
@blp.response(201, TokenResponse)
@login_required
def create_token(args: dict[str, Any]) -> dict[str, Any]:
    """Đổi mật khẩu lấy mã truy cập (Bearer) cho script; mã chỉ hiển thị một lần."""
    principal = current_principal()
    token = users.issue_token(runtime(), principal, args["name"])
    return {"token": token, "username": principal.username, "roles": sorted(principal.roles)}


@blp.route("/me")
@blp.response(200, MeSchema)
@login_required
def me() -> dict[str, Any]:
    """Người đang gọi API và các vai trò."""
    principal = current_principal()
    return {"username": principal.username, "roles": sorted(principal.roles)}
