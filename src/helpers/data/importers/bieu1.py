"""The sector's form Biểu số 1 "Tăng, giảm đảng viên" (1-TCTW / 1-BTCTW), one sheet per unit and period, into the
``annual_counts`` and ``units`` tables.

Each sheet is read as its cells (:func:`helpers.data.readers.read_sheets`): the unit and the period from the title
block above the column header (failing that, from the sheet or file name, and the log says so), the "Kỳ này" column
by its header, and the rows by their labels, compared without diacritics, case or numbering, as the mapping file
``mappings/bieu1.yaml`` lists them (a user's copy of it reads a form worded differently). Every break is collected
and raised together as one :class:`helpers.errors.FormError` whose problems name file, sheet, row label and cell in
Vietnamese and English: the stock identity (đầu kỳ + tăng − giảm = cuối kỳ), totals and sub-rows against their
parts, the continuity between years, counts that are not whole numbers ≥ 0, the same unit and year twice.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from helpers.data.contracts import CONTRACTS, header_key
from helpers.data.importers import FileLog, Imported, ImportLog
from helpers.data.readers import SHEET_SUFFIXES, Sheet, read_sheets
from helpers.data.units import ancestors
from helpers.errors import BadInput, FormError
from helpers.text import t

FORMAT = "bieu1"
MAPPING_FILE = Path(__file__).resolve().parents[1] / "mappings" / "bieu1.yaml"
COUNT_COLUMNS = CONTRACTS["annual_counts"].names[2:]  # members_start … members_end
INFLOWS = ("admitted", "transferred_in")
STOCKS = ("members_start", "members_end")
COLUMN_KINDS = ("label", "numbering", "current", "previous", "percent")
UNIT_COLUMNS = CONTRACTS["units"].names


# --- bilingual text ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Text:
    """A message by key whose fields may themselves be messages, rendered in one language at a time."""

    key: str
    fields: dict = field(default_factory=dict)

    def render(self, lang: str) -> str:
        return t(self.key, lang, **{k: v.render(lang) if isinstance(v, Text) else v for k, v in self.fields.items()})

    def __str__(self) -> str:
        return f"{self.render('vi')} / {self.render('en')}"


def _both(key: str, **fields) -> str:
    return str(Text(key, fields))


def _place(file: str, sheet: str) -> str:
    return f"{file} [{sheet}]" if sheet else file


@dataclass(frozen=True)
class FormProblem:
    """One break in a form: where it is (file, sheet, the row's label as on the form, the cell) and what it is."""

    file: str
    sheet: str
    rule: str
    label: str | None = None
    cell: str | None = None
    detail: dict = field(default_factory=dict)

    def where(self, lang: str) -> str:
        place = _place(self.file, self.sheet)
        if self.label is not None:
            return t("import.bieu1.where_row", lang, place=place, label=self.label, cell=self.cell or "—")
        if self.cell is not None:
            return t("import.bieu1.where_cell", lang, place=place, cell=self.cell)
        return place

    def message(self, lang: str) -> str:
        what = Text(f"import.bieu1.check.{self.rule}", self.detail).render(lang)
        return t("import.bieu1.problem", lang, where=self.where(lang), what=what)

    def __str__(self) -> str:
        return f"{self.message('vi')}\n    {self.message('en')}"


# --- the mapping file --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowSpec:
    """One row of the form as the mapping describes it; ``labels`` are header keys (see :func:`header_key`)."""

    key: str
    labels: tuple[str, ...]
    shown: str
    column: str | None = None
    total: tuple[str, ...] = ()
    parts: tuple[RowSpec, ...] = ()
    thereof: tuple[RowSpec, ...] = ()
    required: bool = False
    parent: str | None = None
    role: str = "row"  # row, part or thereof


@dataclass(frozen=True)
class Bieu1Mapping:
    """Column headers, rows, "thereof" prefixes and footer phrases of a Biểu 1, all as header keys."""

    source: str
    columns: dict[str, tuple[str, ...]]
    rows: tuple[RowSpec, ...]
    thereof_prefixes: tuple[str, ...]
    footer: tuple[str, ...]

    def all_rows(self) -> list[RowSpec]:
        return [s for row in self.rows for s in (row, *row.parts, *row.thereof)]

    def spec(self, key: str) -> RowSpec:
        return next(s for s in self.all_rows() if s.key == key)


def _keys(labels: Iterable) -> tuple[str, ...]:
    return tuple(dict.fromkeys(k for k in (header_key(str(x)) for x in labels or ()) if k))


def _row_spec(entry: dict, source: str, parent: str | None = None, role: str = "row") -> RowSpec:
    if not isinstance(entry, dict) or not entry.get("key") or not _keys(entry.get("labels")):
        raise BadInput(_both("import.bieu1.mapping.entry", file=source, entry=str(entry)[:80]))
    column = entry.get("column")
    if column is not None and column not in COUNT_COLUMNS:
        raise BadInput(
            _both(
                "import.bieu1.mapping.column",
                file=source,
                row=entry["key"],
                column=column,
                columns=", ".join(COUNT_COLUMNS),
            )
        )
    key = str(entry["key"])
    return RowSpec(
        key=key,
        labels=_keys(entry["labels"]),
        shown=str(entry["labels"][0]),
        column=column,
        total=tuple(str(k) for k in entry.get("total") or ()),
        parts=tuple(_row_spec(p, source, key, "part") for p in entry.get("parts") or ()),
        thereof=tuple(_row_spec(p, source, key, "thereof") for p in entry.get("thereof") or ()),
        required=bool(entry.get("required", False)),
        parent=parent,
        role=role,
    )


def load_mapping(mapping: Path | str | dict | None = None) -> Bieu1Mapping:
    """The Biểu 1 mapping: the shipped ``mappings/bieu1.yaml``, a user's copy of it (a path) or its parsed dict."""
    import yaml

    if isinstance(mapping, dict):
        config, source = mapping, "mapping"
    else:
        path = Path(mapping) if mapping is not None else MAPPING_FILE
        source = path.name
        try:
            config = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as err:
            raise BadInput(
                _both("import.bieu1.mapping.unreadable", file=source, error=str(err).splitlines()[0])
            ) from None
    if not isinstance(config, dict) or config.get("format") != FORMAT:
        raise BadInput(_both("import.bieu1.mapping.format", file=source))
    columns = {kind: _keys((config.get("columns") or {}).get(kind)) for kind in COLUMN_KINDS}
    rows = tuple(_row_spec(entry, source) for entry in config.get("rows") or ())
    if not columns["current"] or not rows:
        raise BadInput(_both("import.bieu1.mapping.format", file=source))
    keys = {s.key for row in rows for s in (row, *row.parts, *row.thereof)}
    for row in rows:
        unknown = [k for k in row.total if k not in keys]
        if unknown:
            raise BadInput(_both("import.bieu1.mapping.entry", file=source, entry=f"{row.key}: {', '.join(unknown)}"))
    return Bieu1Mapping(
        source,
        columns,
        rows,
        _keys(config.get("thereof_prefixes")),
        _keys(config.get("footer")),
    )


def is_bieu1_mapping(path: Path) -> bool:
    """Whether a YAML file is a Biểu 1 mapping (``format: bieu1``, a copy of ``mappings/bieu1.yaml``), to be read
    with ``import_bieu1(..., mapping=path)`` rather than as a table layout."""
    import yaml

    try:
        config = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return False
    return isinstance(config, dict) and config.get("format") == FORMAT


# --- words, numbers, cells ---------------------------------------------------------------------------------

_WORD = re.compile(r"[^\W_]+")
# Numbering in front of a label: "A.", "B -", "1.", "2.1.", "a)", "b/", "(1)", "I.", "-", "+", "•", "1 ".
_NUMBERING = re.compile(
    r"^\s*(?:\(?(?:[IVXivx]{1,4}|[A-Za-zĐđ]|\d{1,2}(?:\.\d{1,2})*)\s*[.):/–-]+|\(\s*(?:[A-Za-z]|\d{1,2})\s*\)"
    r"|[-–—+•*·]+|\d{1,2}\s+(?=[^\W\d_]))\s*"
)
_DATE = re.compile(r"\bngay (?:\d{1,2} )?thang (?:\d{1,2} )?nam(?: \d{4})?\b")
_YEAR = re.compile(r"(?<!\d)(19[3-9]\d|20\d\d)(?!\d)")


def strip_numbering(label: str) -> str:
    """A row label without its numbering: 'B. Tăng' → 'Tăng', 'a) Từ tỉnh khác' → 'Từ tỉnh khác'."""
    text = label
    for _ in range(3):
        stripped = _NUMBERING.sub("", text, count=1)
        if stripped == text:
            break
        text = stripped
    return text.strip()


def _starts_with(key: str, phrase: str) -> bool:
    return key == phrase or key.startswith(phrase + " ")


def _match(key: str, specs: Iterable[RowSpec]) -> RowSpec | None:
    """The spec whose label is the key, else the one with the longest label of two words or more it starts with."""
    specs = list(specs)
    for spec in specs:
        if key in spec.labels:
            return spec
    best, length = None, 0
    for spec in specs:
        for label in spec.labels:
            if " " in label and key.startswith(label + " ") and len(label) > length:
                best, length = spec, len(label)
    return best


def parse_count(text: str | None) -> tuple[int | None, bool]:
    """(value, ok) of a count cell: '1.234' and '1 234' are 1234, '-' is 0, an empty cell is (None, True)."""
    if text is None:
        return None, True
    s = text.replace("\u00a0", " ").strip()
    if not s:
        return None, True
    if s in ("-", "–", "—"):
        return 0, True
    s = s.replace(" ", "")
    if re.fullmatch(r"\d{1,3}([.,]\d{3})+", s):
        return int(re.sub(r"[.,]", "", s)), True
    if re.fullmatch(r"\d+(\.0+)?", s):
        return int(s.split(".")[0]), True
    return None, False


# --- units named on a form ---------------------------------------------------------------------------------

# A committee or party organisation as a title block names it, in key words, and the words that replace it in the
# unit's own name: "HUYỆN ỦY TÂN LẬP" is the unit "huyện Tân Lập", "TỈNH ỦY X" the province "tỉnh X". Prefixes
# without a replacement ("ĐẢNG BỘ", "Đơn vị:") are dropped and the rest read again.
_COMMITTEES: tuple[tuple[tuple[str, ...], str, bool], ...] = (
    (("dang", "bo", "tinh"), "tỉnh", True),
    (("tinh", "uy"), "tỉnh", True),
    (("don", "vi", "bao", "cao"), "", False),
    (("don", "vi"), "", False),
    (("dang", "bo"), "", False),
    (("dang", "uy"), "", False),
    (("huyen", "uy"), "huyện", False),
    (("quan", "uy"), "quận", False),
    (("thanh", "uy"), "thành phố", False),
    (("thi", "uy"), "thị xã", False),
)
_NOT_UNITS = ("don vi tinh", "don vi nhan", "dvt")
_CUT = (("ban", "to", "chuc"), ("bieu", "so"))
_ADMIN_WORDS = ("tỉnh", "huyện", "quận", "thị xã", "thành phố")


@dataclass(frozen=True)
class UnitName:
    """A unit as a form names it: its name as written (committee words replaced), its key, where it was read."""

    shown: str
    key: str
    cell: str | None = None
    source: str = "title"  # title, sheet or file
    province: bool = False


def _words(text: str) -> list[tuple[str, int, int]]:
    return [(header_key(m.group()), m.start(), m.end()) for m in _WORD.finditer(text) if header_key(m.group())]


def committee(text: str, cell: str | None = None) -> UnitName | None:
    """The unit a title-block cell names ('TỈNH ỦY X', 'ĐẢNG BỘ HUYỆN Y', 'Huyện ủy Z', 'Đơn vị: …'), or None."""
    words = _words(text)
    if any(_starts_with(header_key(text), no) for no in _NOT_UNITS):
        return None
    replacement, province, matched = "", False, False
    while not replacement:
        keys = tuple(w for w, _, _ in words)
        hit = next((c for c in _COMMITTEES if keys[: len(c[0])] == c[0] and len(keys) > len(c[0])), None)
        if hit is None:
            break
        prefix, replacement, is_province = hit
        words, matched, province = words[len(prefix) :], True, province or is_province
    if not matched:
        return None
    keys = [w for w, _, _ in words]
    end = len(words)
    for i in range(1, len(keys)):
        if any(tuple(keys[i : i + len(cut)]) == cut for cut in _CUT) or (
            keys[i] == "nam" and i + 1 < len(keys) and _YEAR.fullmatch(keys[i + 1])
        ):
            end = min(end, i)
    words = words[:end]
    rest = text[words[0][1] : words[-1][2]]
    if rest.count("(") > rest.count(")"):
        rest += ")"
    if replacement and text.isupper():
        replacement = replacement.upper()
    shown = f"{replacement} {rest}".strip()
    return UnitName(shown, unit_key(shown), cell, "title", province)


def unit_key(name: str) -> str:
    """The key two names of one unit share: 'Đảng bộ tỉnh X', 'TỈNH ỦY X' and 'tỉnh X' all give 'tinh x'."""
    key = header_key(name)
    changed = True
    while changed:
        changed = False
        for prefix in ("dang bo ", "dang uy "):
            if key.startswith(prefix):
                key, changed = key[len(prefix) :], True
    for words, replacement in (
        ("tinh uy ", "tinh "),
        ("huyen uy ", "huyen "),
        ("quan uy ", "quan "),
        ("thanh uy ", "thanh pho "),
        ("thi uy ", "thi xa "),
    ):
        if key.startswith(words):
            key = replacement + key[len(words) :]
    return key


def pretty_name(shown: str) -> str:
    """A name written in capitals as a units table writes it: 'HUYỆN TÂN LẬP' → 'Đảng bộ huyện Tân Lập'."""
    name = shown
    if shown.isupper():
        name = shown.title()
        for word in _ADMIN_WORDS:
            if name.lower().startswith(word + " "):
                name = word + name[len(word) :]
    return name if header_key(name).startswith("dang bo") else f"Đảng bộ {name}"


def unit_code(shown: str, top: bool) -> str:
    """A stable ASCII code from a name: a province by the initials of its name ('tỉnh Tây Ninh' → 'TN', as
    config/terms.toml names it), any other unit by its whole name ('huyện Tân Lập' → 'HUYEN_TAN_LAP')."""
    words = unit_key(shown).split()
    if top and words[:1] == ["tinh"] and len(words) >= 3:
        return "".join(w[0] for w in words[1:]).upper()
    return "_".join(words).upper() or "UNIT"


# --- the period --------------------------------------------------------------------------------------------

_FROM_TO = re.compile(
    r"\btu (?:ngay )?(\d{1,2}) (\d{1,2}) (\d{4}) (?:den|toi) (?:het )?(?:ngay )?(\d{1,2}) (\d{1,2}) (\d{4})\b"
)
_FROM_TO_MONTHS = re.compile(
    r"\btu thang (\d{1,2}) (?:nam )?(\d{4}) (?:den|toi) (?:het )?thang (\d{1,2}) (?:nam )?(\d{4})\b"
)
_PART_YEAR = re.compile(
    r"\b(?:\d{1,2} thang (?:dau|cuoi) nam|quy [ivx1-4]{1,3}(?: nam)?|thang \d{1,2}(?: nam)?) \d{4}$"
)
_WHOLE_YEAR = re.compile(r"(?:^|\b)nam (\d{4})$")


def period(text: str) -> tuple[int | None, bool] | None:
    """What a title-block cell says of the period: (year, True) for a calendar year, (None, False) for any other
    span, None when it names no period."""
    key = header_key(text)
    m = _FROM_TO.search(key)
    if m:
        d1, m1, y1, d2, m2, y2 = map(int, m.groups())
        return (y1, True) if (d1, m1, d2, m2) == (1, 1, 31, 12) and y1 == y2 else (None, False)
    m = _FROM_TO_MONTHS.search(key)
    if m:
        m1, y1, m2, y2 = map(int, m.groups())
        return (y1, True) if (m1, m2) == (1, 12) and y1 == y2 else (None, False)
    if _DATE.search(key) or any(w in key for w in ("ban hanh", "huong dan", "quyet dinh", "kem theo")):
        return None
    if _PART_YEAR.search(key):
        return None, False
    m = _WHOLE_YEAR.search(key)
    return (int(m.group(1)), True) if m else None


def _year_in(name: str) -> int | None:
    found = _YEAR.findall(name)
    return int(found[-1]) if found else None


_GENERIC_NAME = re.compile(r"^(?:sheet|trang tinh|bieu(?: so)?|bieu mau|data|du lieu|nam)?\s*\d*$")


def _unit_in_name(name: str, source: str) -> UnitName | None:
    """A unit named in a file or sheet name beside the year: 'D01-2019' → 'D01'; a sheet '2019' names none."""
    text = _YEAR.sub(" ", name)
    text = re.sub(r"(?i)^\s*bi[eể]u\s*(?:s[oố]\s*)?1(?![0-9])", " ", text)
    text = re.sub(r"^[\s_\-.]+|[\s_\-.]+$", "", text).strip()
    key = header_key(text)
    if not key or _GENERIC_NAME.match(key):
        return None
    return UnitName(text, key, None, source)


# --- one sheet ---------------------------------------------------------------------------------------------


@dataclass
class FormRow:
    """One row of a form matched to the mapping: its spec, label as on the form, Kỳ này cell and value, and what
    became of it: ``mapped`` (into a column), ``set_aside`` (a total, checked sub-rows, a thereof) or ``refused``."""

    spec: RowSpec
    label: str
    cell: str
    text: str | None
    value: int | None = None
    ok: bool = True
    fate: str = "mapped"
    reason: str = ""
    given: bool = True  # False for a row the form leaves out and its parts stand for


@dataclass
class Form:
    """One sheet read as a Biểu 1: where it is, its unit and year, its rows and its annual_counts values."""

    file: str
    sheet: str
    year: int
    unit: UnitName
    chain: tuple[UnitName, ...]
    rows: dict[str, FormRow]
    values: dict[str, int | None]
    log: FileLog
    code: str | None = None

    @property
    def place(self) -> str:
        return _place(self.file, self.sheet)

    def row_for(self, column: str) -> FormRow | None:
        """The row a column's value was read from (the first row the mapping counts into it)."""
        return next((r for r in self.rows.values() if r.spec.column == column and r.spec.role == "row"), None)


def _grid(sheet: Sheet) -> list[list[str | None]]:
    return [[None if pd.isna(v) else str(v) for v in row] for row in sheet.cells.itertuples(index=False)]


def column_letter(column: int) -> str:
    """The spreadsheet letters of a 0-based column: 0 → 'A', 27 → 'AB'."""
    letters, n = "", column + 1
    while n:
        n, rest = divmod(n - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def cell_name(row: int, column: int) -> str:
    """The spreadsheet name of a 0-based cell: (23, 1) → 'B24'."""
    return f"{column_letter(column)}{row + 1}"


def column_kind(text: str | None, mapping: Bieu1Mapping) -> str | None:
    """Which column a header cell heads (label, numbering, current, previous, percent), or None."""
    if text is None:
        return None
    key = header_key(text)
    for kind in COLUMN_KINDS:
        if key and key in mapping.columns[kind]:
            return kind
    if "%" in text:
        return "percent"
    best, length = None, 0
    for kind in COLUMN_KINDS:
        for name in mapping.columns[kind]:
            if " " in name and key.startswith(name + " ") and len(name) > length:
                best, length = kind, len(name)
    return best


def _header(grid: list[list[str | None]], sheet: Sheet, mapping: Bieu1Mapping) -> tuple[int, int, dict] | None:
    """(first header row, last header row, column of each kind) of the column header, or None: the first row
    with a 'Chỉ tiêu' or 'Kỳ này' cell that has a 'Kỳ này' in it or in the (merged) header rows below it."""
    for r, row in enumerate(grid):
        if not any(column_kind(v, mapping) in ("label", "current") for v in row):
            continue
        last = max([r] + [last_row for first_row, _, last_row, _ in sheet.merged if first_row == r])
        for below in range(r + 1, min(r + 3, len(grid))):
            if any(column_kind(v, mapping) in ("current", "previous", "percent") for v in grid[below]):
                last = max(last, below)
        columns: dict[str, int] = {}
        for header_row in range(r, last + 1):
            for c, value in enumerate(grid[header_row]):
                kind = column_kind(value, mapping)
                if kind is not None:
                    columns.setdefault(kind, c)
        if "current" in columns and len(columns.keys() - {"numbering"}) >= 2:  # not a lone 'Kỳ báo cáo: …' line
            return r, last, columns
    return None


def _is_text(value: str | None) -> bool:
    return value is not None and parse_count(value) == (None, False)


def _label_column(grid: list[list[str | None]], start: int, numbers: set[int]) -> int | None:
    """Without a 'Chỉ tiêu' header: the column (not a number column) with the most text cells below the header."""
    best, most = None, 0
    for c in range(max((len(r) for r in grid), default=0)):
        n = sum(1 for row in grid[start:] if c < len(row) and _is_text(row[c])) if c not in numbers else 0
        if n > most:
            best, most = c, n
    return best


def _is_number_row(label_words: list[str], current: str | None) -> bool:
    """The column-number row ('A | 1 | 2 | 3 = 1*100/2')."""
    return (current or "").strip("() ") == "1" and all(len(w) == 1 for w in label_words)


def _is_footer(row: list[str | None], mapping: Bieu1Mapping) -> bool:
    keys = [header_key(v) for v in row if v is not None]
    return any(_DATE.search(k) or any(_starts_with(k, phrase) for phrase in mapping.footer) for k in keys)


def _source(kind: str, name: str) -> Text:
    return Text("import.bieu1.source.sheet" if kind == "sheet" else "import.bieu1.source.file", {"name": name})


def _unit_and_year(
    grid: list[list[str | None]], first: int, sheet: Sheet, file: str, problems: list[FormProblem], log: FileLog
) -> tuple[UnitName | None, tuple[UnitName, ...], int | None]:
    """The unit (with the committees named above it) and the year, from the title block, else the names."""
    chain: list[UnitName] = []
    periods: list[tuple[int | None, bool, str, str]] = []
    for r in range(first):
        for c, value in enumerate(grid[r]):
            if value is None:
                continue
            named = committee(value, cell_name(r, c))
            if named is not None and named.key not in {u.key for u in chain}:
                chain.append(named)
            said = period(value)
            if said is not None:
                periods.append((*said, cell_name(r, c), value))
    year = None
    if periods:
        found, calendar, cell, text = periods[0]
        if calendar:
            year = found
            log.notes.append(_both("import.bieu1.log.period_from_title", year=year, cell=cell, text=text))
        else:
            problems.append(FormProblem(file, sheet.name, "not_calendar_year", cell=cell, detail={"period": text}))
    else:
        for name, kind in ((sheet.name, "sheet"), (Path(file).stem, "file")):
            year = _year_in(name)
            if year is not None:
                log.notes.append(_both("import.bieu1.log.period_from_name", year=year, source=_source(kind, name)))
                break
        else:
            problems.append(FormProblem(file, sheet.name, "no_period"))
    unit = chain[-1] if chain else None
    if unit is not None:
        log.notes.append(_both("import.bieu1.log.unit_from_title", name=unit.shown, cell=unit.cell))
        return unit, tuple(chain), year
    for name, kind in ((sheet.name, "sheet"), (Path(file).stem, "file")):
        unit = _unit_in_name(name, kind)
        if unit is not None:
            log.notes.append(_both("import.bieu1.log.unit_from_name", name=unit.shown, source=_source(kind, name)))
            return unit, (unit,), year
    problems.append(FormProblem(file, sheet.name, "no_unit"))
    return None, (), year


def read_form(
    sheet: Sheet, file: str, mapping: Bieu1Mapping, problems: list[FormProblem]
) -> tuple[FileLog, Form | None]:
    """One sheet as a Biểu 1: its log, and the form (None when the sheet is no Biểu 1 or cannot be used);
    every break is appended to ``problems``."""
    grid = _grid(sheet)
    log = FileLog(file, sheet.name)
    nonempty = [r for r, row in enumerate(grid) if any(v is not None for v in row)]
    log.rows_read = len(nonempty)
    found = _header(grid, sheet, mapping)
    if found is None:
        log.rows_set_aside = log.rows_read
        if any("tang giam dang vien" in header_key(v) for row in grid for v in row if v):
            problems.append(FormProblem(file, sheet.name, "no_column", detail={"column": "Kỳ này"}))
        elif log.rows_read:
            log.notes.append(_both("import.bieu1.log.not_a_form"))
        return log, None
    first, last, columns = found
    before = len(problems)
    current = columns["current"]
    numbers = {columns[k] for k in ("current", "previous", "percent") if k in columns}
    label_col = columns.get("label")
    if label_col is None or label_col in numbers:
        label_col = _label_column(grid, last + 1, numbers)
    numbering_col = columns.get("numbering")
    if label_col is None:
        problems.append(FormProblem(file, sheet.name, "no_column", detail={"column": "Chỉ tiêu"}))
        log.rows_set_aside = log.rows_read
        return log, None
    unit, chain, year = _unit_and_year(grid, first, sheet, file, problems, log)
    log.notes.append(
        _both(
            "import.bieu1.log.columns",
            current=column_letter(current),
            label=column_letter(label_col),
            first=first + 1,
            last=last + 1,
        )
    )
    tally = {"title": 0, "header": 0, "totals": 0, "parts": 0, "thereof": 0, "other": 0, "footer": 0}
    tally["title"] = sum(1 for r in nonempty if r < first)
    tally["header"] = sum(1 for r in nonempty if first <= r <= last)
    rows: dict[str, FormRow] = {}
    context: RowSpec | None = None
    footer = False
    unknown: list[str] = []
    refused = 0
    for r in (r for r in nonempty if r > last):
        row = grid[r]
        if footer or (rows and _is_footer(row, mapping)):
            footer = True
            tally["footer"] += 1
            continue
        text = row[label_col] if label_col < len(row) else None
        number = row[numbering_col] if numbering_col is not None and numbering_col < len(row) else None
        if text is None:  # a label written into another text column
            others = (v for c, v in enumerate(row) if c not in numbers and c != numbering_col and _is_text(v))
            text = next(others, None)
        shown = " ".join(v for v in (number, text) if v)
        value_text = row[current] if current < len(row) else None
        if _is_number_row(header_key(shown).split(), value_text):
            tally["header"] += 1
            continue
        key = header_key(strip_numbering(text or ""))
        spec = _match(key, [*context.parts, *context.thereof]) if key and context is not None else None
        if spec is None and key:
            spec = _match(key, mapping.rows)
        if spec is None and key:  # a./b. rows whose own row the form leaves out: of the next row not yet seen
            after = mapping.rows.index(context) + 1 if context in mapping.rows else 0
            parents = [p for p in mapping.rows[after:] if p.key not in rows] + list(mapping.rows)
            spec = next((s for p in parents if (s := _match(key, p.parts)) is not None), None)
            if spec is not None:
                context = mapping.spec(spec.parent)
        cell = cell_name(r, current)
        if spec is None:
            if key and any(_starts_with(key, p) for p in mapping.thereof_prefixes):
                tally["thereof"] += 1
            elif value_text is None or not key:
                tally["other"] += 1
            else:
                refused += 1
                unknown.append(f"'{shown}' ({cell}: {value_text})")
            continue
        if spec.role == "row":
            context = spec
        if spec.key in rows:
            other = rows[spec.key]
            detail = {"other": other.label, "other_cell": other.cell}
            problems.append(FormProblem(file, sheet.name, "repeated_row", shown, cell, detail))
            refused += 1
            continue
        value, ok = parse_count(value_text)
        rows[spec.key] = FormRow(spec, shown, cell, value_text, value, ok, "mapped" if ok else "refused")
        if not ok:
            problems.append(FormProblem(file, sheet.name, "not_count", shown, cell, {"value": value_text}))
    if unknown:
        log.notes.append(_both("import.bieu1.log.unknown_rows", rows="; ".join(unknown), mapping=mapping.source))
    values = _values(rows, mapping, file, sheet.name, problems, log)
    given = [r for r in rows.values() if r.given]
    log.rows_mapped = sum(r.fate == "mapped" for r in given)
    log.rows_refused = refused + sum(r.fate == "refused" for r in given)
    log.rows_set_aside = log.rows_read - log.rows_mapped - log.rows_refused
    for r in given:
        if r.fate == "set_aside":
            tally[r.reason] += 1
    log.notes.append(_both("import.bieu1.log.set_aside", n=log.rows_set_aside, **tally))
    if unit is None or year is None or any(p.rule != "stock_identity" for p in problems[before:]):
        return log, None
    return log, Form(file, sheet.name, year, unit, chain, rows, values, log)


def _parts_of(
    spec: RowSpec, rows: dict[str, FormRow], problems: list[FormProblem], file: str, sheet: str, log: FileLog
):
    """A row with a./b. parts: summed into it when it has no number of its own, else checked against it."""
    parts = [rows[p.key] for p in spec.parts if p.key in rows]
    if not parts:
        return
    row = rows.get(spec.key)
    if not all(p.ok for p in parts):
        return
    for p in parts:
        p.value = p.value or 0
    total = sum(p.value for p in parts)
    listed = ", ".join(f"'{p.label}' {p.value}" for p in parts)
    if row is None or (row.ok and row.value is None):
        shown = row.label if row is not None else spec.shown
        log.notes.append(_both("import.bieu1.log.parts_summed", label=shown, parts=listed, value=total))
        if row is None:
            rows[spec.key] = FormRow(spec, spec.shown, parts[0].cell, None, total, given=False)
        else:
            row.value, row.fate, row.reason = total, "set_aside", "totals"
        return
    for p in parts:
        p.fate, p.reason = "set_aside", "parts"
    if row.ok and row.value != total:
        detail = {"given": row.value, "total": total, "parts": listed}
        problems.append(FormProblem(file, sheet, "parts_mismatch", row.label, row.cell, detail))


def _values(
    rows: dict[str, FormRow], mapping: Bieu1Mapping, file: str, sheet: str, problems: list[FormProblem], log: FileLog
) -> dict[str, int | None]:
    """The annual_counts values of one form from its rows, checking totals, parts, thereof rows and the stock
    identity; a blank flow cell reads as 0 (and the log says so), a blank stock is a problem."""
    blanks: list[str] = []
    for spec in mapping.rows:
        _parts_of(spec, rows, problems, file, sheet, log)
        row = rows.get(spec.key)
        if row is None:
            if spec.required:
                problems.append(FormProblem(file, sheet, "missing_row", detail={"label": spec.shown}))
            continue
        if spec.total and row.given:
            row.fate, row.reason = ("set_aside", "totals") if row.ok else (row.fate, row.reason)
        if row.ok and row.value is None:
            if spec.column in STOCKS:
                problems.append(FormProblem(file, sheet, "missing_value", row.label, row.cell))
                row.ok, row.fate = False, "refused"
            elif not spec.total:
                row.value = 0
                blanks.append(f"'{row.label}' ({row.cell})")
        for sub in spec.thereof:
            thereof = rows.get(sub.key)
            if thereof is None:
                continue
            thereof.fate, thereof.reason = ("set_aside", "thereof") if thereof.ok else (thereof.fate, "")
            if not (thereof.ok and row.ok and thereof.value is not None):
                continue
            detail = {"label": thereof.label, "cell": thereof.cell, "value": thereof.value, "row": row.label}
            log.notes.append(_both("import.bieu1.log.thereof", **detail))
            if thereof.value > (row.value or 0):
                detail = {"value": thereof.value, "row": row.label, "total": row.value or 0}
                problems.append(FormProblem(file, sheet, "thereof_exceeds", thereof.label, thereof.cell, detail))
    if blanks:
        log.notes.append(_both("import.bieu1.log.blank_zero", rows=", ".join(blanks)))
    for spec in mapping.rows:  # B and C against the rows they sum
        row = rows.get(spec.key)
        items = [rows[k] for k in spec.total if k in rows]
        if not spec.total or row is None or not row.ok or row.value is None or not items:
            continue
        if all(i.ok for i in items) and sum(i.value or 0 for i in items) != row.value:
            listed = ", ".join(f"'{i.label}' {i.value or 0}" for i in items)
            detail = {"given": row.value, "total": sum(i.value or 0 for i in items), "parts": listed}
            problems.append(FormProblem(file, sheet, "total_mismatch", row.label, row.cell, detail))
    values: dict[str, int | None] = {}
    for column in COUNT_COLUMNS:
        given = [r for r in rows.values() if r.spec.column == column and r.spec.role == "row"]
        if not given:
            values[column] = 0 if column == "other_exit" else None
            if column != "other_exit" and column not in STOCKS:
                label = next(s.shown for s in mapping.rows if s.column == column)
                log.notes.append(_both("import.bieu1.log.missing_row", column=column, label=label))
            continue
        values[column] = sum(r.value or 0 for r in given) if all(r.ok for r in given) else None
    for row in rows.values():
        if row.spec.key == "reinstated" and row.ok and row.value:
            log.notes.append(_both("import.bieu1.log.reinstated", n=row.value, label=row.label, cell=row.cell))
    if any(values[c] is None for c in COUNT_COLUMNS):
        log.notes.append(_both("import.bieu1.log.identity_not_judged"))
        return values
    increase = sum(values[c] for c in INFLOWS)
    decrease = sum(values[c] for c in COUNT_COLUMNS if c not in (*INFLOWS, *STOCKS))
    expected = values["members_start"] + increase - decrease
    if expected != values["members_end"]:
        end = next(r for r in rows.values() if r.spec.column == "members_end")
        detail = {"end": values["members_end"], "start": values["members_start"]}
        detail |= {"increase": increase, "decrease": decrease, "expected": expected}
        problems.append(FormProblem(file, sheet, "stock_identity", end.label, end.cell, detail))
    return values


# --- the whole import --------------------------------------------------------------------------------------


def _files(sources: list[Path]) -> list[tuple[Path, str]]:
    """Each source file with the name messages give it; a folder gives its workbooks (not temporary ~$ files)."""
    out = []
    for source in sources:
        source = Path(source)
        if source.is_dir():
            for path in sorted(source.rglob("*")):
                if path.is_file() and path.suffix.lower() in SHEET_SUFFIXES and not path.name.startswith(("~$", ".")):
                    out.append((path, path.relative_to(source).as_posix()))
        else:
            out.append((source, source.name))
    return out


def _units_as_text(units: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame(index=range(len(units)))
    for column in UNIT_COLUMNS:
        if column not in units.columns:
            out[column] = pd.Series(pd.NA, index=out.index, dtype="string")
            continue
        values = units[column].reset_index(drop=True)
        if pd.api.types.is_datetime64_any_dtype(values):
            text = values.dt.strftime("%Y-%m-%d")
        else:
            text = values.astype("string").str.strip().replace("", pd.NA)
        out[column] = text.where(values.notna(), pd.NA).astype("string")
    return out


def _match_units(forms: list[Form], units: pd.DataFrame, problems: list[FormProblem]) -> pd.DataFrame:
    """Give each form the code of its unit in ``units``; a name not in it is a problem naming file and sheet."""
    table = _units_as_text(units)
    index: dict[str, list[int]] = {}
    for i, (code, name) in enumerate(zip(table["unit_code"], table["name"])):
        for key in {header_key(str(code)), unit_key(str(name)) if not pd.isna(name) else ""} - {""}:
            index.setdefault(key, []).append(i)
    start = pd.to_datetime(table["valid_from"], errors="coerce").dt.year
    end = pd.to_datetime(table["valid_to"], errors="coerce").dt.year
    for form in forms:
        hits = index.get(form.unit.key) or index.get(unit_key(form.unit.shown)) or []
        if not hits:
            problems.append(
                FormProblem(
                    form.file, form.sheet, "unknown_unit", cell=form.unit.cell, detail={"name": form.unit.shown}
                )
            )
            continue
        valid = [
            i for i in hits if (pd.isna(start[i]) or start[i] <= form.year) and (pd.isna(end[i]) or form.year <= end[i])
        ]
        form.code = str(table.at[(valid or hits)[0], "unit_code"])
    return table


def _build_units(forms: list[Form], log: ImportLog) -> pd.DataFrame:
    """The units table the forms name: the province ('TỈNH ỦY X') at the top, every other unit under the unit named
    above it in its title block; codes from the names (see :func:`unit_code`)."""
    nodes: dict[str, dict] = {}
    for form in forms:
        chain = list(form.chain) if form.unit.source == "title" else [form.unit]
        for i, named in enumerate(chain):
            node = nodes.setdefault(named.key, {"name": named, "parent": None, "years": set(), "province": False})
            node["province"] = node["province"] or named.province
            if i > 0 and node["parent"] is None:
                node["parent"] = chain[i - 1].key
        nodes[chain[-1].key]["years"].add(form.year)
    tops = [k for k, n in nodes.items() if n["province"] and n["parent"] is None]
    for key, node in nodes.items():  # a unit whose form names no committee above it: under the one province
        if node["parent"] is None and not node["province"] and len(tops) == 1 and key != tops[0]:
            node["parent"] = tops[0]
    if not tops:
        log.notes.append(_both("import.bieu1.log.no_province"))

    def depth(key: str) -> int:
        d, seen = 0, {key}
        while nodes[key]["parent"] is not None and nodes[key]["parent"] not in seen:
            key = nodes[key]["parent"]
            seen.add(key)
            d += 1
        return d

    codes: dict[str, str] = {}
    for key, node in nodes.items():
        named = node["name"]
        top = node["parent"] is None and node["province"]
        code = named.shown.upper() if named.source != "title" else unit_code(named.shown, top)
        code = re.sub(r"[^A-Z0-9_]+", "_", header_key(code).upper().replace(" ", "_")) or "UNIT"
        if code in codes.values():
            code = unit_code(named.shown, False)
        base, n = code, 2
        while code in codes.values():
            code, n = f"{base}_{n}", n + 1
        codes[key] = code

    def years_below(key: str) -> set[int]:
        years = set(nodes[key]["years"])
        for other, node in nodes.items():
            if node["parent"] == key:
                years |= years_below(other)
        return years

    rows = []
    for key, node in nodes.items():
        named, d = node["name"], depth(key)
        level = (
            "province"
            if (d == 0 and (node["province"] or any(n["parent"] == key for n in nodes.values())))
            else ("district" if d <= 1 else "grassroots")
        )
        rows.append(
            {
                "unit_code": codes[key],
                "name": pretty_name(named.shown) if named.source == "title" else named.shown,
                "parent_code": codes[node["parent"]] if node["parent"] is not None else pd.NA,
                "level": level,
                "valid_from": f"{min(years_below(key))}-01-01",
                "valid_to": pd.NA,
                "successor_code": pd.NA,
            }
        )
    for form in forms:
        form.code = codes[form.unit.key]
    table = pd.DataFrame(rows, columns=list(UNIT_COLUMNS)).astype("string")
    order = table["level"].map({"province": 0, "district": 1, "grassroots": 2})
    table = (
        table.assign(_order=order).sort_values(["_order", "unit_code"]).drop(columns="_order").reset_index(drop=True)
    )
    province = table[table["level"] == "province"]
    log.notes.append(
        _both(
            "import.bieu1.log.units_built",
            n=len(table),
            provinces=", ".join(f"{n} ({c})" for c, n in zip(province["unit_code"], province["name"])) or "—",
        )
    )
    return table


def _check_across(forms: list[Form], problems: list[FormProblem]) -> list[Form]:
    """The same unit and year twice, and the continuity between years; returns the forms without repeats."""
    first: dict[tuple[str, int], Form] = {}
    for form in forms:
        key = (form.code, form.year)
        if key in first:
            problems.append(
                FormProblem(
                    form.file,
                    form.sheet,
                    "duplicate",
                    detail={"unit": form.code, "year": form.year, "other": first[key].place},
                )
            )
            continue
        first[key] = form
    for (code, year), form in first.items():
        previous = first.get((code, year - 1))
        if previous is None:
            continue
        start, end = form.values["members_start"], previous.values["members_end"]
        if start is not None and end is not None and start != end:
            row, before = form.row_for("members_start"), previous.row_for("members_end")
            problems.append(
                FormProblem(
                    form.file,
                    form.sheet,
                    "continuity",
                    row.label,
                    row.cell,
                    {
                        "start": start,
                        "year": year,
                        "end": end,
                        "previous": year - 1,
                        "where": Text(
                            "import.bieu1.where_row",
                            {"place": previous.place, "label": before.label, "cell": before.cell},
                        ),
                    },
                )
            )
    return list(first.values())


def _leave_out_covered(forms: list[Form], units: pd.DataFrame, log: ImportLog) -> list[Form]:
    """A unit's own forms in the years the forms of units below it are given: checked against their sum (a
    difference is a note naming the cell) and left out, so that counts_for_unit does not count them twice."""
    kept = []
    names = dict(zip(units["unit_code"], units["name"]))
    above = {code: ancestors(units, code)[1:] for code in units["unit_code"]}
    by_year: dict[int, list[Form]] = {}
    for form in forms:
        by_year.setdefault(form.year, []).append(form)
    left_out: dict[str, list[int]] = {}
    for year, group in sorted(by_year.items()):
        codes = {f.code for f in group}
        covered = {c for c in codes if any(c in above.get(o, []) for o in codes if o != c)}
        for form in group:
            if form.code not in covered:
                kept.append(form)
                continue
            below = [f for f in group if f.code not in covered and form.code in above.get(f.code, [])]
            for column in COUNT_COLUMNS:
                given = form.values[column]
                parts = [f.values[column] for f in below]
                if given is None or any(p is None for p in parts) or sum(parts) == given:
                    continue
                row = form.row_for(column)
                note = _both(
                    "import.bieu1.log.province_differs",
                    place=form.place,
                    label=row.label if row else column,
                    cell=row.cell if row else "—",
                    given=given,
                    total=sum(parts),
                    n=len(below),
                )
                form.log.notes.append(note)
                log.notes.append(note)
            form.log.notes.append(_both("import.bieu1.log.province_left_out", unit=form.code, n=len(below)))
            form.log.rows_set_aside += form.log.rows_mapped
            form.log.rows_mapped = 0
            left_out.setdefault(form.code, []).append(year)
    for code, years in left_out.items():
        log.notes.append(
            _both("import.bieu1.log.province_years", unit=f"{names.get(code, code)} ({code})", years=_years_text(years))
        )
    return kept


def _years_text(years: list[int]) -> str:
    years = sorted(years)
    spans, start = [], years[0]
    for a, b in zip(years, [*years[1:], None]):
        if b != a + 1:
            spans.append(str(a) if a == start else f"{start}–{a}")
            start = b
    return ", ".join(spans)


def import_bieu1(
    sources: list[Path], units: pd.DataFrame | None = None, mapping: Path | dict | None = None
) -> Imported:
    """Biểu 1 forms (files, workbooks with a sheet per year, or folders of them) as ``annual_counts`` and ``units``.

    With ``units`` each form's unit is found in it by name (or code, for a unit named only by its file name) and the
    table is returned as given; without it the table is built from the title blocks. ``mapping`` is a copy of
    ``mappings/bieu1.yaml`` for forms worded differently. Raises :class:`helpers.errors.FormError` with every break.

    Returns
    -------
    Imported
        ``tables["annual_counts"]`` (unit_code, year, members_start … members_end, as text) and ``tables["units"]``,
        and the log: one :class:`FileLog` per sheet, notes about the whole import.
    """
    spec = load_mapping(mapping)
    log = ImportLog(FORMAT)
    problems: list[FormProblem] = []
    forms: list[Form] = []
    files = _files(list(sources))
    for path, shown in files:
        try:
            sheets = read_sheets(path)
        except BadInput as err:
            problems.append(FormProblem(shown, "", "unreadable", detail={"error": str(err)}))
            continue
        for sheet in sheets:
            entry, form = read_form(sheet, shown, spec, problems)
            log.add(entry)
            if form is not None:
                forms.append(form)
    if not forms and not problems:
        problems.append(FormProblem(", ".join(str(s) for s in sources) or "—", "", "no_forms"))
    if problems and not forms:
        raise FormError(problems)
    if units is not None:
        table = _match_units(forms, units, problems)
        matched = {f.code for f in forms if f.code is not None}
        log.notes.append(_both("import.bieu1.log.units_matched", n=len(matched), total=len(table)))
    else:
        table = _build_units(forms, log)
    forms = [f for f in forms if f.code is not None]
    forms = _check_across(forms, problems)
    if problems:
        raise FormError(problems)
    kept = _leave_out_covered(forms, table, log)
    rows = [{"unit_code": f.code, "year": str(f.year), **{c: _text(f.values[c]) for c in COUNT_COLUMNS}} for f in kept]
    counts = pd.DataFrame(rows, columns=list(CONTRACTS["annual_counts"].names)).astype("string")
    counts = counts.sort_values(["unit_code", "year"]).reset_index(drop=True)
    years = sorted({f.year for f in forms})
    log.notes.insert(
        0,
        _both(
            "import.bieu1.log.summary",
            sheets=len(forms),
            units=len({f.code for f in forms}),
            first=years[0],
            last=years[-1],
            rows=len(counts),
        ),
    )
    return Imported({"units": table, "annual_counts": counts}, log)


def _text(value: int | None) -> object:
    return pd.NA if value is None else str(int(value))
