"""Errors every layer may raise; each surface maps them to a response in one place.

Hierarchy (``code`` is stable and appears in API responses; ``status`` is the HTTP status)::

    AppError                      500  internal_error
    ├── InvalidInput              400  invalid_input
    │   ├── FormValidationError   422  validation_failed   (fields: path -> Vietnamese message)
    │   └── DiagramError          422  invalid_diagram     (file, line, element; problems: every one lint found)
    │       └── UnsafeDiagram     422  unsafe_diagram      (entities, forbidden script code)
    ├── NotAuthenticated          401  not_authenticated
    ├── Forbidden                 403  forbidden
    ├── NotFound                  404  not_found
    ├── TooManyAttempts           429  too_many_attempts   (details: retry_after seconds)
    ├── Conflict                  409  conflict
    │   ├── StaleVersion          409  stale_version
    │   ├── TaskNotReady          409  task_not_ready
    │   ├── DuplicatePetition     409  duplicate_petition  (details: the matching cases the caller may read, and how many others)
    │   └── TrailBroken           409  audit_broken        (a chain no longer matches its anchor: nothing more is written)
    ├── EngineError               422  engine_error        (a script or expression failed at run time)
    └── PdfUnavailable            503  pdf_unavailable     (LibreOffice missing, failed or too slow)

Messages are in Vietnamese because officers read them; codes are English for programs.

``details`` hold two kinds of things. What helps the caller mend a request (the diagram file,
element and line an analyst must fix, when to retry) is answered. What only explains *why* to the
people who run the service — above all the interpreter's own words (``MemoryError``, a
``BudgetExceeded`` trace, SpiffWorkflow's English) under ``error`` — is kept in the incident the
service records and in the log, and never answered: ``to_dict`` lists only ``PUBLIC_DETAILS``.
Admins and auditors read those words in ``GET /api/incidents``; no other caller ever sees them.
"""

from __future__ import annotations

from typing import Any

PUBLIC_DETAILS = frozenset({"retry_after", "file", "line", "element", "expression_line", "lanes", "duplicates",
                            "elsewhere", "problems"})


class AppError(Exception):
    """Base of every error the application raises on purpose."""

    code = "internal_error"
    status = 500
    default_message = "Lỗi hệ thống."

    def __init__(
        self,
        message: str | None = None,
        *,
        fields: dict[str, str] | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        self.message = message or self.default_message
        self.fields = fields or {}
        self.details = details or {}
        super().__init__(self.message)

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"error": self.code, "message": self.message}
        if self.fields:
            body["fields"] = self.fields
        public = self.public_details()
        if public:
            body["details"] = public
        return body

    def public_details(self) -> dict[str, Any]:
        """The details a caller may read; the rest stays in the incident and the log."""
        return {key: value for key, value in self.details.items() if key in PUBLIC_DETAILS}

    def private_details(self) -> dict[str, Any]:
        return {key: value for key, value in self.details.items() if key not in PUBLIC_DETAILS}


class InvalidInput(AppError):
    code = "invalid_input"
    status = 400
    default_message = "Dữ liệu gửi lên không hợp lệ."


class FormValidationError(InvalidInput):
    code = "validation_failed"
    status = 422
    default_message = "Biểu mẫu có trường chưa hợp lệ."


class DiagramError(InvalidInput):
    code = "invalid_diagram"
    status = 422
    default_message = "Sơ đồ quy trình không hợp lệ."


class UnsafeDiagram(DiagramError):
    code = "unsafe_diagram"
    default_message = "Sơ đồ quy trình chứa nội dung không an toàn và bị từ chối."


class NotAuthenticated(AppError):
    code = "not_authenticated"
    status = 401
    default_message = "Cần đăng nhập."


class Forbidden(AppError):
    code = "forbidden"
    status = 403
    default_message = "Bạn không có quyền thực hiện thao tác này."


class NotFound(AppError):
    code = "not_found"
    status = 404
    default_message = "Không tìm thấy."


class TooManyAttempts(AppError):
    code = "too_many_attempts"
    status = 429
    default_message = "Đăng nhập sai quá nhiều lần; hãy thử lại sau ít phút."


class Conflict(AppError):
    code = "conflict"
    status = 409
    default_message = "Thao tác xung đột với trạng thái hiện tại."


class StaleVersion(Conflict):
    code = "stale_version"
    default_message = "Hồ sơ đã được người khác cập nhật; hãy tải lại và thử lại."


class TaskNotReady(Conflict):
    code = "task_not_ready"
    default_message = "Bước này không còn chờ xử lý (có thể đã được hoàn thành)."


class DuplicatePetition(Conflict):
    code = "duplicate_petition"
    default_message = ("Có thể đơn này đã được tiếp nhận: đã có hồ sơ của cùng người khiếu nại đối với cùng quyết định "
                       "giải quyết lần đầu. Hãy kiểm tra; nếu vẫn tiếp nhận, hãy xác nhận.")


class TrailBroken(Conflict):
    code = "audit_broken"
    default_message = ("Nhật ký kiểm toán không khớp mốc neo đã ký (có thể đã bị can thiệp ngoài ứng dụng); "
                       "mọi thay đổi bị dừng cho tới khi quản trị kiểm tra bằng «flask audit verify».")


class EngineError(AppError):
    code = "engine_error"
    status = 422
    default_message = "Quy trình không thể thực hiện bước tiếp theo."


class PdfUnavailable(AppError):
    code = "pdf_unavailable"
    status = 503
    default_message = "Không chuyển được văn bản sang PDF."
    NOT_INSTALLED = "Không chuyển được văn bản sang PDF: máy chủ chưa cài LibreOffice."
    TIMED_OUT = "Không chuyển được văn bản sang PDF: quá thời gian."
    UNREADABLE = "Không chuyển được văn bản sang PDF: LibreOffice không đọc được văn bản."


ALL_ERRORS: tuple[type[AppError], ...] = (
    AppError,
    InvalidInput,
    FormValidationError,
    DiagramError,
    UnsafeDiagram,
    NotAuthenticated,
    Forbidden,
    NotFound,
    TooManyAttempts,
    Conflict,
    StaleVersion,
    TaskNotReady,
    DuplicatePetition,
    TrailBroken,
    EngineError,
    PdfUnavailable,
)
