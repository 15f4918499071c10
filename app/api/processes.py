"""Deployed processes and their versions; deploying new versions (analysts)."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from app.api.auth import current_principal, login_required, runtime
from app.api.migration_schemas import MigrationBody, MigrationPreviewSchema, MigrationResultSchema
from app.api.parsing import ApiBlueprint
from app.api.schemas import (
    CaseChangeSchema,
    DeployBody,
    DeploymentSchema,
    DeployResultSchema,
    LintResultSchema,
    StartBody,
)
from app.api.tasks import change_dict
from app.api.version_schemas import DiffArgs, DiffSchema, VersionFilesSchema, VersionSchema
from app.services import cases, deploy, migration, versions

blp = ApiBlueprint("processes", __name__, url_prefix="/api/processes", description="Quy trình đã triển khai")


@blp.route("")
class Processes(MethodView):
    @blp.response(200, DeploymentSchema(many=True))
    @login_required
    def get(self) -> Any:
        """Các quy trình và phiên bản đã triển khai."""
        return deploy.list_deployments(runtime())


@blp.route("/<key:process_id>/deployments", methods=["POST"])
@blp.arguments(DeployBody)
@blp.response(201, DeployResultSchema)
@login_required
def deploy_files(body: dict[str, Any], process_id: str) -> Any:
    """Triển khai phiên bản mới từ các tệp sơ đồ và biểu mẫu (cùng nội dung → cùng phiên bản).

    422 ``invalid_diagram``/``unsafe_diagram``: ``details.problems`` liệt kê mọi lỗi (như ``/lint``).
    """
    _check_paths(process_id, body["files"])
    return deploy.deploy(runtime(), current_principal(), process_id, body["files"])


@blp.route("/<key:process_id>/lint", methods=["POST"])
@blp.arguments(DeployBody)
@blp.response(200, LintResultSchema)
@login_required
def lint_files(body: dict[str, Any], process_id: str) -> Any:
    """Kiểm tra các tệp như khi triển khai, liệt kê mọi lỗi cùng lúc (tệp, phần tử, dòng); không lưu gì."""
    _check_paths(process_id, body["files"])
    return {"problems": deploy.lint_files(current_principal(), process_id, body["files"],
                                               runtime().procedures)}


def _check_paths(process_id: str, files: dict[str, str]) -> None:
    deploy.check_paths(process_id, files)


@blp.route("/<key:process_id>/versions")
@blp.response(200, VersionSchema(many=True))
@login_required
def list_versions(process_id: str) -> Any:
    """Các phiên bản của quy trình: người và thời điểm triển khai, số hồ sơ đang chạy và đã kết thúc trên mỗi bản."""
    return versions.deployments_of(runtime(), current_principal(), process_id)


@blp.route("/<key:process_id>/versions/<id:version>/files")
@blp.response(200, VersionFilesSchema)
@login_required
def version_files(process_id: str, version: int) -> Any:
    """Các tệp của một phiên bản như đã lưu khi triển khai (sơ đồ, biểu mẫu, mẫu văn bản .docx dạng base64).

    Đọc từ bản đã triển khai, không từ thư mục: trình soạn sơ đồ mở đúng những gì các hồ sơ đang chạy.
    """
    files = versions.version_files(runtime(), current_principal(), process_id, version)
    return {"process_id": process_id, "version": version, "files": files}


@blp.route("/<key:process_id>/diff")
@blp.arguments(DiffArgs, location="query")
@blp.response(200, DiffSchema)
@login_required
def diff_versions(args: dict[str, Any], process_id: str) -> Any:
    """Những gì thay đổi từ phiên bản ``from`` đến ``to``: phần tử sơ đồ, biểu mẫu, mẫu văn bản, tệp khác."""
    return versions.diff(runtime(), current_principal(), process_id, args["from_"], args["to"])


@blp.route("/<key:process_id>/migrations/preview", methods=["POST"])
@blp.arguments(MigrationBody)
@blp.response(200, MigrationPreviewSchema)
@login_required
def preview_migration(body: dict[str, Any], process_id: str) -> Any:
    """Xem trước việc chuyển hồ sơ đang chạy sang phiên bản ``to_version``: hồ sơ nào chuyển được, hồ sơ nào không và vì sao.

    Chọn hồ sơ bằng ``instance_ids`` (tối đa 500) hoặc ``from_version`` (mọi hồ sơ đang chạy trên phiên bản đó, tối
    đa 500; ``more`` cho biết còn hồ sơ khác). Không thay đổi gì. Hồ sơ không thuộc quy trình hoặc không tồn tại: «không
    tìm thấy».
    """
    return migration.preview(runtime(), current_principal(), process_id, body["to_version"],
                             instance_ids=body.get("instance_ids"), from_version=body.get("from_version"))


@blp.route("/<key:process_id>/migrations", methods=["POST"])
@blp.arguments(MigrationBody)
@blp.response(200, MigrationResultSchema)
@login_required
def migrate_cases(body: dict[str, Any], process_id: str) -> Any:
    """Chuyển các hồ sơ chuyển được sang phiên bản ``to_version``, mỗi hồ sơ trong một giao dịch riêng.

    Hồ sơ không an toàn để chuyển (bước đang chờ hoặc đã làm bị xóa, bị thay đổi), đã kết thúc hoặc vừa bị người khác
    cập nhật nằm trong ``refused`` và giữ nguyên; mỗi hồ sơ đã chuyển có sự kiện ``migrated`` trong nhật ký.
    """
    return migration.migrate(runtime(), current_principal(), process_id, body["to_version"],
                             instance_ids=body.get("instance_ids"), from_version=body.get("from_version"))


@blp.route("/<key:process_id>/instances", methods=["POST"])
@blp.arguments(StartBody)
@blp.response(201, CaseChangeSchema)
@login_required
def start_instance(body: dict[str, Any], process_id: str) -> Any:
    """Tạo hồ sơ mới (khởi động quy trình) với dữ liệu tiếp nhận; trả về các bước chờ đầu tiên.

    409 ``duplicate_petition`` khi đã có hồ sơ cùng người khiếu nại (số CMND/CCCD, hoặc họ tên và địa chỉ) đối với
    cùng quyết định lần đầu: ``details.duplicates`` liệt kê các hồ sơ người gọi được xem, ``details.elsewhere`` đếm
    hồ sơ của cơ quan khác (không nêu số). Gửi lại với ``confirm_duplicate: true`` để vẫn tiếp nhận.
    """
    rt = runtime()
    change = cases.start_case(rt, current_principal(), process_id, body["data"],
                              confirm_duplicate=body["confirm_duplicate"])
    return change_dict(rt, change.instance, change.tasks)
