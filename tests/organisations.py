"""The organisation codes the suite's cases, plans and users hold, in the catalogue as an installation's would be.

Seeded into every test database beside the demo catalogue (``tests.conftest``), so tests written before
the catalogue keep their codes («Sở Tài chính» typed as a petition's department, ``unit-01`` for a plan's
unit); a plan unit or a user must name a catalogue entry now.
"""

from __future__ import annotations

from app.services.organisation_seed import IssuerSeed, Seed

SUITE = (
    Seed("Sở Tài chính", "Sở Tài chính"),
    Seed("Sở Nông nghiệp và PTNT", "Sở Nông nghiệp và PTNT"),
    Seed("stnmt", "Sở Tài nguyên và Môi trường"),
    Seed("Sở Tài nguyên và Môi trường", "Sở Tài nguyên và Môi trường"),
    Seed("chu-prong", "UBND huyện Chư Prông"),
    Seed("pleiku", "UBND thành phố Pleiku"),
    *(Seed(f"unit-{i:02d}", f"Đơn vị {i:02d}") for i in range(1, 21)),
)

# Their documents' headers and abbreviations, so the suite's cases in these bodies issue their papers.
SUITE_ISSUERS = {
    seed.code: IssuerSeed(f"CQ{index:02d}", seed.name, "UBND tỉnh Gia Lai", seed.name, f"Thủ trưởng {seed.name}",
                          "Thủ trưởng", "", "Trần Văn Thử")
    for index, seed in enumerate(SUITE, start=1)
}
