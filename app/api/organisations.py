"""The organisation catalogue: read by every role (codes for plan units), changed by the admin only.

Lengths and characters are checked by the service, which answers in Vietnamese beside each field (400).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from functools import wraps
from typing import Any

from flask.views import MethodView
from marshmallow import Schema, fields

from app.api.auth import current_principal, login_required, runtime
from app.api.parsing import ApiBlueprint
from app.persistence.models import Organisation
from app.services import issuers, organisations
from app.services.organisations import MAX_CODE, MAX_NAME, OrganisationChange

blp = ApiBlueprint("organisations", __name__, url_prefix="/api/organisations", description="Danh mục cơ quan")


class OrganisationFilter(Schema):
    current = fields.Boolean(load_default=False, metadata={"description": "Chỉ các cơ quan đang hoạt động hôm nay"})


class OrganisationChangeBody(Schema):
    name = fields.String(required=True, metadata={"description": f"Tên cơ quan (tiếng Việt), tối đa {MAX_NAME} ký tự"})
    parent = fields.String(load_default=None, allow_none=True, metadata={"description": "Mã cơ quan cấp trên"})
    valid_from = fields.Date(load_default=None, allow_none=True, metadata={"description": "Hoạt động từ ngày"})
    valid_to = fields.Date(load_default=None, allow_none=True,
                           metadata={"description": "Ngày cuối cùng còn hoạt động (kết thúc: giữ lịch sử)"})


class OrganisationBody(OrganisationChangeBody):
    code = fields.String(required=True, metadata={
        "description": f"Mã dùng trong sơ đồ, người dùng và hồ sơ (tối đa {MAX_CODE} ký tự); không đổi được"})


class OrganisationSchema(Schema):
    id = fields.Integer(required=True)
    code = fields.String(required=True)
    name = fields.String(required=True)
    parent = fields.String(allow_none=True)
    valid_from = fields.Date(allow_none=True)
    valid_to = fields.Date(allow_none=True)
    status = fields.String(required=True, metadata={"description": "current | ended | future"})


def manager_only(view: Callable[..., Any]) -> Callable[..., Any]:
    """Authenticate, then refuse a non-admin (403) before the body is even read."""

    @wraps(view)
    @login_required
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        organisations.require_manager(current_principal())
        return view(*args, **kwargs)

    return wrapper


def _change(body: dict[str, Any]) -> OrganisationChange:
    return OrganisationChange(name=body["name"], parent=body["parent"], valid_from=body["valid_from"],
                              valid_to=body["valid_to"])


def _dicts(entries: list[Organisation]) -> list[dict[str, Any]]:
    today, codes = runtime().today(), {e.id: e.code for e in entries}
    return [{"id": e.id, "code": e.code, "name": e.name, "parent": codes.get(e.parent_id) if e.parent_id else None,
             "valid_from": e.valid_from, "valid_to": e.valid_to, "status": organisations.status_of(e, today)}
            for e in entries]


def _one(organisation_id: int) -> dict[str, Any]:
    rt, who = runtime(), current_principal()
    entries = organisations.list_organisations(rt, who)
    return next(d for d in _dicts(entries) if d["id"] == organisation_id)


@blp.route("")
class Organisations(MethodView):
    @blp.arguments(OrganisationFilter, location="query")
    @blp.response(200, OrganisationSchema(many=True))
    @login_required
    def get(self, args: dict[str, Any]) -> Any:
        """Các cơ quan trong danh mục (mọi vai trò): mã để chọn đơn vị của kế hoạch, tên để hiển thị."""
        found = _dicts(organisations.list_organisations(runtime(), current_principal()))
        return [d for d in found if d["status"] == "current"] if args["current"] else found

    @manager_only
    @blp.arguments(OrganisationBody)
    @blp.response(201, OrganisationSchema)
    def post(self, body: dict[str, Any]) -> Any:
        """Thêm cơ quan (quản trị); ghi vào nhật ký tài khoản."""
        entry = organisations.create_organisation(runtime(), current_principal(), body["code"], _change(body))
        return _one(entry.id)


@blp.route("/<id:organisation_id>")
class OrganisationItem(MethodView):
    @blp.response(200, OrganisationSchema)
    @login_required
    def get(self, organisation_id: int) -> Any:
        """Một cơ quan của danh mục."""
        organisations.get_organisation(runtime(), current_principal(), organisation_id)  # 404 if there is none
        return _one(organisation_id)

    @manager_only
    @blp.arguments(OrganisationChangeBody)
    @blp.response(200, OrganisationSchema)
    def put(self, body: dict[str, Any], organisation_id: int) -> Any:
        """Sửa tên, cơ quan cấp trên, ngày hoạt động (quản trị; thay toàn bộ: trường bỏ trống được xóa)."""
        organisations.update_organisation(runtime(), current_principal(), organisation_id, _change(body))
        return _one(organisation_id)

    @manager_only
    @blp.response(204)
    def delete(self, organisation_id: int) -> None:
        """Xóa cơ quan nhập nhầm (quản trị); cơ quan đã được dùng: 409, hãy ghi ngày kết thúc."""
        organisations.delete_organisation(runtime(), current_principal(), organisation_id)


class DocumentProfileSchema(Schema):
    symbol = fields.String(required=True, allow_none=True,
                           metadata={"description": "Ký hiệu viết tắt của cơ quan trong số văn bản (UBND, TTr)"})
    name = fields.String(required=True, metadata={"description": "Tên cơ quan trong văn bản"})
    upper_line = fields.String(required=True, metadata={"description": "Dòng trên của tiêu đề (cơ quan chủ quản)"})
    lower_line = fields.String(required=True, metadata={"description": "Dòng dưới của tiêu đề (cơ quan ban hành)"})
    place = fields.String(required=True, metadata={"description": "Địa danh ghi trước ngày tháng"})
    head = fields.String(required=True, metadata={"description": "Người có thẩm quyền (Chủ tịch UBND tỉnh …)"})
    signer_name = fields.String(required=True)
    signer_title = fields.String(required=True, metadata={"description": "Chức vụ người ký (Phó Chủ tịch)"})
    signer_authority = fields.String(load_default="", metadata={"description": "KT. / TM. / TL. … (có thể để trống)"})


@blp.route("/<id:organisation_id>/documents")
class OrganisationDocuments(MethodView):
    @manager_only
    @blp.response(200, DocumentProfileSchema)
    def get(self, organisation_id: int) -> Any:
        """Ký hiệu viết tắt, tiêu đề và người ký văn bản của cơ quan (quản trị); chưa khai báo: các trường rỗng."""
        rt, who = runtime(), current_principal()
        entry = organisations.get_organisation(rt, who, organisation_id)
        return _profile(issuers.profile_of(rt, who, entry.code))

    @manager_only
    @blp.arguments(DocumentProfileSchema)
    @blp.response(200, DocumentProfileSchema)
    def put(self, body: dict[str, Any], organisation_id: int) -> Any:
        """Đặt ký hiệu, tiêu đề và người ký văn bản (quản trị; cơ quan chưa có thì chưa ban hành được văn bản)."""
        rt, who = runtime(), current_principal()
        entry = organisations.get_organisation(rt, who, organisation_id)
        return _profile(issuers.set_profile(rt, who, entry.code, body["symbol"] or "", body))


def _profile(profile: issuers.DocumentProfile) -> dict[str, Any]:
    header = asdict(profile.header) if profile.header else {f: "" for f in issuers.LABELS}
    return {"symbol": profile.symbol, **header}
