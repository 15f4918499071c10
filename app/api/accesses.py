"""Who read what, for auditors: the reads of one case and the reads of one officer.

Reading these lists is restricted (``access.require_access_log``) but is not itself a read of a
case: it names readers, kinds of read and addresses, never a citizen's data.
"""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from app.api.auth import current_principal, login_required, runtime
from app.api.parsing import ApiBlueprint
from app.api.schemas import Number, page_of, page_schema
from app.services import reads

blp = ApiBlueprint("accesses", __name__, url_prefix="/api", description="Ai đã xem hồ sơ (nhật ký lượt xem)")


class AccessSchema(Schema):
    at = fields.DateTime()
    username = fields.String()
    full_name = fields.String()
    kind = fields.String(metadata={"description": "case, history, documents, document, attachment, task, diagram, "
                                                  "preview, register"})
    label = fields.String(metadata={"description": "Loại lượt xem, bằng tiếng Việt"})
    target = fields.String(metadata={"description": "Văn bản, tệp hoặc bước đã mở (rỗng khi mở cả hồ sơ)"})
    address = fields.String(metadata={"description": "Địa chỉ máy của người xem"})
    instance_id = fields.Integer()
    case_number = fields.String()


AccessPage = page_schema(AccessSchema, "AccessPage")


class PageOnly(Schema):
    page = Number(load_default=1, maximum=100_000)


class UserAccessFilter(PageOnly):
    # not required by the schema: the arguments are read before the caller's right, which must be refused first (403)
    user = fields.String(load_default="", validate=validate.Length(max=64),
                         metadata={"description": "Tên đăng nhập của cán bộ (bắt buộc)"})


@blp.route("/instances/<id:instance_id>/accesses")
@blp.arguments(PageOnly, location="query")
@blp.response(200, AccessPage)
@login_required
def case_accesses(args: dict[str, Any], instance_id: int) -> Any:
    """Ai đã xem hồ sơ, khi nào, xem gì, từ địa chỉ nào (mới nhất trước); chỉ kiểm tra, giám sát và quản trị."""
    found = reads.case_accesses(runtime(), current_principal(), instance_id, args["page"])
    return page_of(found, found.items)


@blp.route("/audit/accesses")
@blp.arguments(UserAccessFilter, location="query")
@blp.response(200, AccessPage)
@login_required
def user_accesses(args: dict[str, Any]) -> Any:
    """Các hồ sơ một cán bộ đã xem (mới nhất trước); chỉ kiểm tra, giám sát và quản trị."""
    found = reads.user_accesses(runtime(), current_principal(), args["user"], args["page"], required=True)
    return page_of(found, found.items)
