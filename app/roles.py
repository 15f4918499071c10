"""Roles of procedures.md: the lane ids of the diagrams and the Vietnamese names officers see."""

ROLES: dict[str, str] = {
    "reception": "Cán bộ tiếp công dân",
    "resolver": "Người có thẩm quyền giải quyết lần hai",
    "verifier": "Cơ quan, bộ phận được giao xác minh",
    "clerk": "Văn thư",
    "inspectorate": "Thanh tra tỉnh",
    "unit_head": "Thủ trưởng sở, ngành / Chủ tịch UBND huyện",
    "analyst": "Cán bộ phân tích quy trình",
    "auditor": "Kiểm tra, giám sát",
    "admin": "Quản trị",
}
