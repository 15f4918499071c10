"""Rows into a worksheet where text stays text: what an officer typed never becomes a live formula.

openpyxl stores a string beginning with ``=`` as a formula, and a spreadsheet program would run
``=HYPERLINK(…)`` or ``=cmd|' /C calc'!A0`` typed into a name or a content field. Every string cell
is written as a text cell, and those beginning with a character a spreadsheet may read as the start
of a formula (``= + - @``, tab, carriage return) get Excel's quote prefix too, so even editing the
cell later keeps it text.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from openpyxl.worksheet.worksheet import Worksheet

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def append(sheet: Worksheet, values: Iterable[Any]) -> None:
    sheet.append(list(values))
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, str):
            cell.data_type = "s"
            if cell.value.startswith(FORMULA_STARTS):
                cell.quotePrefix = True
