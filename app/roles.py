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

# Roles that record a letter or call addressed to a case (a withdrawal, a central office's notice):
# the reception desk, the resolver it is addressed to, and the inspectorate that coordinates with
# central agencies, whichever lane the catching event is in.
MESSAGE_RECEIVERS = frozenset({"reception", "resolver", "inspectorate"})
DEPLOYERS = frozenset({"analyst", "admin"})
# Roles that take part in a citizen-reception plan (na_session_reception) and so see its pages:
# the inspectorate that runs it, the reception desk that keeps the register, the leadership that
# approves it, the units' heads who report and bring citizens home, and those who check.
PLAN_ROLES = frozenset({"inspectorate", "reception", "resolver", "unit_head", "auditor", "admin"})
