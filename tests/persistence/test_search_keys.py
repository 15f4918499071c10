"""Folded search keys: what officers type finds Vietnamese names, and old rows get keys on upgrade."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from app.persistence import search
from app.persistence.migrate import upgrade


def test_fold_drops_case_tone_and_vowel_marks_and_reads_dj_as_d() -> None:
    assert search.fold("Trần Thị  Bình") == "tran thi binh"
    assert search.fold("ĐỖ VĂN ĐỨC, Ơn, Ưng") == "do van duc, on, ung"
    assert search.fold("Nguyễn") == search.fold("nguyen") == search.fold("NGUYỄN")
    # the same name typed precomposed (NFC) or with combining marks (NFD) folds the same way
    assert search.fold("Nguy\u1ec5n") == search.fold("Nguye\u0302\u0303n") == "nguyen"


def test_a_pattern_takes_like_wildcards_literally() -> None:
    assert search.pattern(" 50%_ Lê ") == "%50\\%\\_ le%"


def test_upgrade_gives_existing_rows_their_keys(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    upgrade(url, revision="0005")
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO deployments (id, process_id, version, name, content_hash, deployed_by, deployed_at) "
                             "VALUES (1, 'p', 1, 'p', 'x', 'a', '2021-01-01 00:00:00')"))
        conn.execute(sa.text("INSERT INTO instances (id, deployment_id, process_id, case_number, title, status, state, "
                             "serializer_version, version, started_by, created_at, updated_at) VALUES "
                             "(1, 1, 'p', 'KN2-2021-000001', 'Trần Thị Bình', 'running', '', '1', 1, 'a', "
                             "'2021-01-01 00:00:00', '2021-01-01 00:00:00')"))
    upgrade(url)
    with engine.connect() as conn:
        assert conn.scalar(sa.text("SELECT search_key FROM instances WHERE id = 1")) == "kn2-2021-000001 | tran thi binh"
    engine.dispose()
