"""Entries of the organisation catalogue that setup writes: the codes already in use, and the demo province.

``adopt_used`` gives every organisation code users, cases and waiting tasks already hold an entry (named
after itself, the admin renames it), for codes that appear after migration 0013 imported the rest — e.g.
cases whose organisation ``flask setup`` derives from their state. ``ensure_demo`` seeds an illustrative
catalogue of a province (Gia Lai, whose names the demo data and tests already use): the provincial
People's Committee (``ubnd_tinh``, the code the complaint's DMN gives provincial cases), its inspectorate,
its office and citizen reception board, departments (the two merged on 01/03/2025 ended on the day before,
their successor from that day), and districts ended on 30/06/2025 when the district level was abolished,
with communes from 01/07/2025. Both are written to the account log (actor ``setup``); neither touches
an entry that exists.
"""

from __future__ import annotations

from datetime import date
from typing import NamedTuple

from app.persistence import catalogue, documents
from app.persistence import document_numbers as counters
from app.persistence.models import Organisation
from app.services import document_numbers, organisations
from app.services import issuers as issuers_service
from app.services.runtime import Runtime

KNOWN_NAMES = {"ubnd_tinh": "UBND tỉnh"}  # codes the diagrams themselves produce


class Seed(NamedTuple):
    code: str
    name: str
    parent: str | None = None
    valid_from: date | None = None
    valid_to: date | None = None


MERGED, DISTRICTS_END = date(2025, 3, 1), date(2025, 6, 30)
COMMUNES_START = date(2025, 7, 1)
DEMO = (
    Seed("ubnd_tinh", "UBND tỉnh"),
    Seed("thanh_tra_tinh", "Thanh tra tỉnh", "ubnd_tinh"),
    Seed("van_phong_ubnd_tinh", "Văn phòng UBND tỉnh", "ubnd_tinh"),
    Seed("ban_tiep_cong_dan_tinh", "Ban Tiếp công dân tỉnh", "van_phong_ubnd_tinh"),
    Seed("so_tai_chinh", "Sở Tài chính", "ubnd_tinh"),
    Seed("so_noi_vu", "Sở Nội vụ", "ubnd_tinh"),
    Seed("so_tu_phap", "Sở Tư pháp", "ubnd_tinh"),
    Seed("so_xay_dung", "Sở Xây dựng", "ubnd_tinh"),
    Seed("so_giao_duc_dao_tao", "Sở Giáo dục và Đào tạo", "ubnd_tinh"),
    Seed("so_y_te", "Sở Y tế", "ubnd_tinh"),
    Seed("so_cong_thuong", "Sở Công Thương", "ubnd_tinh"),
    Seed("so_nong_nghiep_ptnt", "Sở Nông nghiệp và Phát triển nông thôn", "ubnd_tinh", None, date(2025, 2, 28)),
    Seed("so_tai_nguyen_moi_truong", "Sở Tài nguyên và Môi trường", "ubnd_tinh", None, date(2025, 2, 28)),
    Seed("so_nong_nghiep_moi_truong", "Sở Nông nghiệp và Môi trường", "ubnd_tinh", MERGED),
    Seed("ubnd_tp_pleiku", "UBND thành phố Pleiku", "ubnd_tinh", None, DISTRICTS_END),
    Seed("ubnd_tx_an_khe", "UBND thị xã An Khê", "ubnd_tinh", None, DISTRICTS_END),
    Seed("ubnd_h_chu_prong", "UBND huyện Chư Prông", "ubnd_tinh", None, DISTRICTS_END),
    Seed("ubnd_p_pleiku", "UBND phường Pleiku", "ubnd_tinh", COMMUNES_START),
    Seed("ubnd_p_an_khe", "UBND phường An Khê", "ubnd_tinh", COMMUNES_START),
    Seed("ubnd_x_chu_prong", "UBND xã Chư Prông", "ubnd_tinh", COMMUNES_START),
)


def ensure(rt: Runtime, seeds: tuple[Seed, ...] | list[Seed]) -> list[str]:
    """Add the entries whose code the catalogue lacks (parents listed before children); return their codes."""
    added = []
    with rt.db.writing() as session:
        for seed in seeds:
            if catalogue.by_code(session, seed.code) is not None:
                continue
            parent = catalogue.by_code(session, seed.parent) if seed.parent else None
            entry = Organisation(code=seed.code, name=seed.name, parent_id=parent.id if parent else None,
                                 valid_from=seed.valid_from, valid_to=seed.valid_to)
            session.add(entry)
            session.flush()
            organisations.log_setup(rt, session, entry)
            added.append(seed.code)
    return added


def ensure_demo(rt: Runtime) -> list[str]:
    added = ensure(rt, DEMO)
    ensure_demo_issuers(rt)
    return added


def adopt_used(rt: Runtime) -> list[str]:
    """Give every organisation code in use an entry, so every page can name it and the admin can rename it."""
    with rt.db.reading() as session:
        used = catalogue.used_codes(session) - set(catalogue.names(session))
    return ensure(rt, [Seed(code, KNOWN_NAMES.get(code, code)) for code in sorted(used)])


class IssuerSeed(NamedTuple):
    """A demo body's abbreviation and document header (``app.services.issuers``)."""

    symbol: str
    name: str
    upper_line: str
    lower_line: str
    head: str
    signer_title: str
    signer_authority: str
    signer_name: str


PROVINCE = "Gia Lai"
_UBND_TINH = "UBND tỉnh Gia Lai"
DEMO_ISSUERS = {
    "ubnd_tinh": IssuerSeed("UBND", "Ủy ban nhân dân tỉnh Gia Lai", "Ủy ban nhân dân", "Tỉnh Gia Lai",
                            "Chủ tịch Ủy ban nhân dân tỉnh Gia Lai", "Phó Chủ tịch", "KT. Chủ tịch", "Nguyễn Văn Bình"),
    "thanh_tra_tinh": IssuerSeed("TTr", "Thanh tra tỉnh Gia Lai", _UBND_TINH, "Thanh tra tỉnh",
                                 "Chánh Thanh tra tỉnh", "Chánh Thanh tra", "", "Lê Văn Hùng"),
    "van_phong_ubnd_tinh": IssuerSeed("VP", "Văn phòng Ủy ban nhân dân tỉnh Gia Lai", _UBND_TINH, "Văn phòng",
                                      "Chánh Văn phòng", "Chánh Văn phòng", "", "Phạm Thị Lan"),
    "ban_tiep_cong_dan_tinh": IssuerSeed("BTCD", "Ban Tiếp công dân tỉnh Gia Lai", _UBND_TINH, "Ban Tiếp công dân",
                                         "Trưởng Ban Tiếp công dân tỉnh", "Trưởng ban", "", "Võ Minh Tâm"),
    "so_tai_chinh": IssuerSeed("STC", "Sở Tài chính tỉnh Gia Lai", _UBND_TINH, "Sở Tài chính",
                               "Giám đốc Sở Tài chính", "Giám đốc", "", "Đặng Quốc Việt"),
    "so_noi_vu": IssuerSeed("SNV", "Sở Nội vụ tỉnh Gia Lai", _UBND_TINH, "Sở Nội vụ", "Giám đốc Sở Nội vụ",
                            "Giám đốc", "", "Hoàng Thị Mai"),
    "so_tu_phap": IssuerSeed("STP", "Sở Tư pháp tỉnh Gia Lai", _UBND_TINH, "Sở Tư pháp", "Giám đốc Sở Tư pháp",
                             "Giám đốc", "", "Bùi Văn Khánh"),
    "so_xay_dung": IssuerSeed("SXD", "Sở Xây dựng tỉnh Gia Lai", _UBND_TINH, "Sở Xây dựng", "Giám đốc Sở Xây dựng",
                              "Giám đốc", "", "Trịnh Công Sơn"),
    "so_nong_nghiep_moi_truong": IssuerSeed("SNNMT", "Sở Nông nghiệp và Môi trường tỉnh Gia Lai", _UBND_TINH,
                                            "Sở Nông nghiệp và Môi trường", "Giám đốc Sở Nông nghiệp và Môi trường",
                                            "Giám đốc", "", "Đỗ Thanh Hải"),
}


def ensure_demo_issuers(rt: Runtime, issuers: dict[str, IssuerSeed] | None = None) -> list[str]:
    """Give the demo bodies in the catalogue that have none their abbreviation and document header; return their codes."""
    seeded, wanted = [], issuers or DEMO_ISSUERS
    with rt.db.reading() as session:
        present = {code for code in wanted if catalogue.by_code(session, code) is not None}
        symbols = {code: counters.symbols(session, code).get(counters.BODY) for code in present}
        headers = {code: documents.issuer(session, code) for code in present}
    for code, seed in ((c, s) for c, s in wanted.items() if c in present):
        if symbols[code] is None:
            document_numbers.seed_body_symbol(rt, code, seed.symbol)
        if headers[code] is None:
            issuers_service.seed_header(rt, code, {**seed._asdict(), "place": PROVINCE})
            seeded.append(code)
    return seeded
