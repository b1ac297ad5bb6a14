"""The default province written as the sector's forms Biểu số 1 "Tăng, giảm đảng viên" (1-TCTW), as a district
party committee's organising board files them: a title block, a merged two-row column header, the column-number
row, the A/B/C/D hierarchy with its sub-rows, last year's figures and the percentage beside this year's, and the
signature footer. The Biểu 1 importer's tests and benchmarks read them back (:mod:`helpers.data.importers.bieu1`).

The split of transfers between other provinces and other districts and the probationary members among those
removed are not in the annual counts: they are drawn from a generator seeded by unit and year, so every run writes
the same forms, and each part adds up to its row.
"""

from __future__ import annotations

import re
import unicodedata
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from helpers.data.counts import COUNT_COLUMNS

LAYOUTS = ("files", "workbook")
COLUMNS = ("label", "current", "previous", "percent")
FORM_NUMBER = "1-TCTW"

# The rows of the form: key (as mappings/bieu1.yaml names them), numbering, label, depth in the hierarchy.
ROWS: tuple[tuple[str, str, str, int], ...] = (
    ("members_start", "A", "Đảng viên đầu kỳ", 0),
    ("increase", "B", "Đảng viên tăng trong kỳ", 0),
    ("admitted", "1", "Kết nạp đảng viên mới", 1),
    ("transferred_in", "2", "Chuyển đến", 1),
    ("transferred_in_other_province", "a", "Từ tỉnh khác", 2),
    ("transferred_in_other_district", "b", "Từ huyện khác", 2),
    ("reinstated", "3", "Phục hồi đảng tịch", 1),
    ("decrease", "C", "Đảng viên giảm trong kỳ", 0),
    ("died", "1", "Từ trần", 1),
    ("expelled", "2", "Khai trừ", 1),
    ("removed", "3", "Xóa tên", 1),
    ("removed_probationary", "", "Trong đó: đảng viên dự bị", 2),
    ("asked_to_leave", "4", "Xin ra khỏi Đảng", 1),
    ("transferred_out", "5", "Chuyển đi", 1),
    ("transferred_out_other_province", "a", "Sang tỉnh khác", 2),
    ("transferred_out_other_district", "b", "Sang huyện khác", 2),
    ("other_exit", "6", "Giảm khác", 1),
    ("members_end", "D", "Đảng viên cuối kỳ", 0),
)
HEADERS = {
    "numbering": "STT",
    "label": "CHỈ TIÊU",
    "current": "Kỳ này",
    "previous": "Cùng kỳ năm trước",
    "percent": "(%) kỳ này so với cùng kỳ năm trước",
}
NUMBERS = {"numbering": "A", "label": "B", "current": "1", "previous": "2", "percent": "3 = 1*100/2"}
_ADMIN = (
    ("tỉnh", "TỈNH ỦY"),
    ("thành phố", "THÀNH ỦY"),
    ("thị xã", "THỊ ỦY"),
    ("huyện", "HUYỆN ỦY"),
    ("quận", "QUẬN ỦY"),
)


@dataclass(frozen=True)
class BieuForm:
    """One form: its unit and year, the committees of its title block (top first), the period as written, this
    year's and last year's figures by row key (None leaves a cell empty), the town of the date line."""

    unit_code: str
    year: int
    lines: tuple[str, ...]
    period: str
    values: dict[str, int | None]
    previous: dict[str, int | None] | None
    town: str
    form_number: str = FORM_NUMBER


def _core(name: str) -> str:
    name = " ".join(unicodedata.normalize("NFC", name).split())
    return re.sub(r"^(?i:đảng bộ)\s+", "", name)


def committee_line(name: str, committee: bool) -> str:
    """A unit's line in a title block: 'Huyện Tân Lập' → 'HUYỆN ỦY TÂN LẬP' (``committee``) or 'ĐẢNG BỘ HUYỆN
    TÂN LẬP'; 'Đảng bộ Khối …' → 'ĐẢNG ỦY KHỐI …' or 'ĐẢNG BỘ KHỐI …'."""
    core = _core(name)
    for admin, office in _ADMIN:
        if core.lower().startswith(admin + " ") and committee:
            return f"{office} {core[len(admin) + 1 :].upper()}"
    return ("ĐẢNG ỦY " if committee else "ĐẢNG BỘ ") + core.upper()


def _town(name: str) -> str:
    core = re.sub(r"\s*\(.*?\)\s*", " ", _core(name)).strip()
    for admin, _ in _ADMIN:
        if core.lower().startswith(admin + " "):
            core = core[len(admin) + 1 :]
    return core[:1].upper() + core[1:]


def form_values(counts: pd.Series, unit_code: str, year: int) -> dict[str, int]:
    """Every row of the form from one row of annual counts, the sub-rows drawn from a generator seeded by unit
    and year: a./b. add up to their transfers, the probationary members are among those removed."""
    v = {c: int(counts[c]) for c in COUNT_COLUMNS}
    rng = np.random.default_rng(zlib.crc32(f"bieu1:{unit_code}:{year}".encode()))
    from_province = int(rng.binomial(v["transferred_in"], 0.35))
    to_province = int(rng.binomial(v["transferred_out"], 0.3))
    out = {
        **v,
        "transferred_in_other_province": from_province,
        "transferred_in_other_district": v["transferred_in"] - from_province,
        "reinstated": 0,
        "removed_probationary": int(rng.binomial(v["removed"], 0.25)),
        "transferred_out_other_province": to_province,
        "transferred_out_other_district": v["transferred_out"] - to_province,
    }
    out["increase"] = v["admitted"] + v["transferred_in"] + out["reinstated"]
    out["decrease"] = sum(
        v[c] for c in ("died", "expelled", "removed", "asked_to_leave", "transferred_out", "other_exit")
    )
    return out


def _sum(values: Iterable[dict[str, int]]) -> dict[str, int]:
    values = list(values)
    return {key: sum(v[key] for v in values) for key in values[0]}


def bieu1_forms(
    dataset, units: Iterable[str] | None = None, years: Iterable[int] | None = None, province_forms: bool = True
) -> list[BieuForm]:
    """The forms of a dataset's annual counts: one per unit and year, and (``province_forms``) the province's own,
    the sum of its units'. ``units`` and ``years`` choose which (default: all)."""
    counts = dataset.annual_counts
    table = dataset.units.set_index("unit_code")
    wanted = set(units) if units is not None else None
    years = set(years) if years is not None else None
    values: dict[tuple[str, int], dict[str, int]] = {}
    for row in counts.itertuples(index=False):
        code, year = str(row.unit_code), int(row.year)
        values[(code, year)] = form_values(pd.Series(row._asdict()), code, year)
    parents: dict[tuple[str, int], list[dict[str, int]]] = {}
    for (code, year), v in values.items():
        parent = table.at[code, "parent_code"] if code in table.index else pd.NA
        if not pd.isna(parent):
            parents.setdefault((str(parent), year), []).append(v)
    if province_forms:
        for key, parts in parents.items():
            values.setdefault(key, _sum(parts))
    forms = []
    for index, ((code, year), v) in enumerate(sorted(values.items())):
        if (wanted is not None and code not in wanted) or (years is not None and year not in years):
            continue
        name = str(table.at[code, "name"])
        parent = table.at[code, "parent_code"]
        if pd.isna(parent):
            lines = (committee_line(name, True),)
        else:
            lines = (committee_line(str(table.at[parent, "name"]), False), committee_line(name, index % 2 == 1))
        period = f"Năm {year}" if (year + index) % 2 else f"Từ 01/01/{year} đến 31/12/{year}"
        forms.append(BieuForm(code, year, lines, period, v, values.get((code, year - 1)), _town(name)))
    return forms


# --- writing ------------------------------------------------------------------------------------------------


def _style(sheet, font: str, align: str, border: bool) -> str:
    """The name of a named style of the workbook (added on first use): one assignment per cell is much faster
    than setting font, alignment and border one by one."""
    from openpyxl.styles import Alignment, Border, Font, NamedStyle, Side

    name = f"bieu1-{font}-{align}-{'border' if border else 'plain'}"
    book = sheet.parent
    if name not in book.named_styles:
        thin = Side(style="thin")
        style = NamedStyle(name=name)
        style.font = Font(name="Times New Roman", size=12, bold=font == "bold", italic=font == "italic")
        style.alignment = Alignment(horizontal=align, vertical="center", wrap_text=True)
        if border:
            style.border = Border(left=thin, right=thin, top=thin, bottom=thin)
        book.add_named_style(style)
    return name


def write_form(
    sheet,
    form: BieuForm,
    columns: tuple[str, ...] = COLUMNS,
    numbering: str = "inline",
    title_block: bool = True,
    stray_rows: tuple[str, ...] = (),
    labels: dict[str, str] | None = None,
    omit: Iterable[str] = (),
    grouped_header: bool = False,
) -> dict[str, str]:
    """Write one form into an openpyxl worksheet; returns the 'Kỳ này' cell of each row key (and 'header').

    ``columns`` orders the label, current, previous and percent columns; ``numbering="column"`` puts the numbering
    in an STT column of its own; ``title_block=False`` leaves the unit and period out of the title block;
    ``stray_rows`` are extra lines above the title; ``labels`` replace row labels (numbering included) and ``omit``
    leaves rows out; ``grouped_header`` heads the two count columns with one merged 'Số đảng viên' cell.
    """
    from openpyxl.utils import get_column_letter

    kinds = (("numbering",) if numbering == "column" else ()) + tuple(columns)
    col = {kind: i + 1 for i, kind in enumerate(kinds)}
    width = len(kinds)
    half = max(1, width // 2)

    def put(r: int, c: int, value, font="plain", align="left", merge_to: int | None = None, border=False):
        cell = sheet.cell(row=r, column=c, value=value)
        cell.style = _style(sheet, font, align, border)
        if merge_to is not None and merge_to > c:
            sheet.merge_cells(start_row=r, start_column=c, end_row=r, end_column=merge_to)
        return cell

    r = 1
    left = [*(form.lines if title_block else ()), "BAN TỔ CHỨC", "*"]
    for i, line in enumerate(left):
        put(r + i, 1, line, "bold", "center", half)
    put(r, half + 1, f"Biểu số {form.form_number}", "bold", "center", width)
    r += len(left)
    for line in stray_rows:
        put(r, 1, line, "italic", "left", width)
        r += 1
    r += 1
    put(r, 1, "BÁO CÁO TĂNG, GIẢM ĐẢNG VIÊN", "bold", "center", width)
    r += 1
    if title_block:
        put(r, 1, form.period, "italic", "center", width)
        r += 1
    put(r, width, "Đvt: Người", "italic", "center")
    r += 1

    header = r
    grouped = grouped_header and "current" in col and "previous" in col and abs(col["current"] - col["previous"]) == 1
    for kind in kinds:
        c = col[kind]
        if grouped and kind in ("current", "previous"):
            put(header + 1, c, HEADERS[kind], "bold", "center", border=True)
            continue
        put(header, c, HEADERS[kind], "bold", "center", border=True)
        put(header + 1, c, None, "bold", "center", border=True)
        sheet.merge_cells(start_row=header, start_column=c, end_row=header + 1, end_column=c)
    if grouped:
        first, last = sorted((col["current"], col["previous"]))
        put(header, first, "Số đảng viên", "bold", "center", last, border=True)
    r = header + 2
    for kind in kinds:
        number = "A" if kind == "label" and numbering != "column" else NUMBERS[kind]
        put(r, col[kind], number, "italic", "center", border=True)
    r += 1

    cells = {"header": f"{get_column_letter(col['current'])}{header}"}
    omit = set(omit)
    for key, number, text, depth in ROWS:
        if key in omit:
            continue
        label = (labels or {}).get(key)
        if label is None:
            label = f"{number}. {text}" if number and numbering == "inline" else text
        bold = "bold" if depth == 0 else ("italic" if depth == 2 else "plain")
        if numbering == "column":
            put(r, col["numbering"], number or "-", bold, "center", border=True)
        put(r, col["label"], ("    " * depth) + label if depth and numbering == "inline" else label, bold, border=True)
        value = form.values.get(key)
        previous = (form.previous or {}).get(key)
        put(r, col["current"], value, bold, "center", border=True).number_format = "#,##0"
        if "previous" in col:
            put(r, col["previous"], previous, bold, "center", border=True).number_format = "#,##0"
        if "percent" in col:
            share = round(value * 100 / previous, 2) if value is not None and previous else None
            put(r, col["percent"], share, bold, "center", border=True).number_format = "0.00"
        cells[key] = f"{get_column_letter(col['current'])}{r}"
        r += 1

    r += 1
    put(r, half + 1, f"{form.town}, ngày 15 tháng 01 năm {form.year + 1}", "italic", "center", width)
    r += 1
    put(r, 1, "NGƯỜI LẬP BIỂU", "bold", "center", half)
    put(r, half + 1, "TRƯỞNG BAN", "bold", "center", width)
    r += 1
    put(r, 1, "(Ký, ghi rõ họ tên)", "italic", "center", half)
    put(r, half + 1, "(Ký tên, đóng dấu)", "italic", "center", width)
    widths = {"numbering": 7, "label": 46, "current": 13, "previous": 13, "percent": 16}
    for kind in kinds:
        sheet.column_dimensions[get_column_letter(col[kind])].width = widths[kind]
    return cells


def write_bieu1_forms(
    dataset,
    folder: Path,
    units: Iterable[str] | None = None,
    layout: str = "files",
    years: Iterable[int] | None = None,
    province_forms: bool = True,
) -> list[Path]:
    """Write a dataset's annual counts (``load_dataset("data/sample")``: the default province) as Biểu 1 forms.

    ``layout="files"``: one XLSX per unit and year, ``<code>-<year>.xlsx`` with one sheet named by the year;
    ``"workbook"``: one XLSX per unit, ``<code>.xlsx`` with a sheet per year. ``units`` and ``years`` choose which
    forms (default: every unit with counts and, with ``province_forms``, the province's own forms, which sum its
    units'). Returns the files written.
    """
    from openpyxl import Workbook

    if layout not in LAYOUTS:
        raise ValueError(f"layout must be one of {LAYOUTS}, not {layout!r}")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    forms = bieu1_forms(dataset, units, years, province_forms)
    written = []
    if layout == "files":
        for form in forms:
            book = Workbook()
            sheet = book.active
            sheet.title = str(form.year)
            write_form(sheet, form)
            path = folder / f"{form.unit_code}-{form.year}.xlsx"
            book.save(path)
            written.append(path)
        return written
    by_unit: dict[str, list[BieuForm]] = {}
    for form in forms:
        by_unit.setdefault(form.unit_code, []).append(form)
    for code, group in by_unit.items():
        book = Workbook()
        book.remove(book.active)
        for form in sorted(group, key=lambda f: f.year):
            write_form(book.create_sheet(str(form.year)), form)
        path = folder / f"{code}.xlsx"
        book.save(path)
        written.append(path)
    return written
