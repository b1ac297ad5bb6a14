"""Any member-list layout a YAML mapping file describes, turned into the canonical members table.

A mapping file says where the header row is, which source column gives which canonical field (or is dropped, or is
a personal identifier for the member's pseudonym), how source texts become codes (``values``, compared
case- and diacritic-insensitively), keyword rules for free text (``rules``), how unit names become unit codes
(``units``) and how entries onto the rolls are derived (``entry``)::

    name: my-district
    header_row: find            # or the file row of the header, from 1
    columns:
      Họ và tên: identifier.name
      Số CCCD: identifier.identity
      Ngày sinh: birth_date     # read as birth_year only
      Giới tính: sex
      Chi bộ: [branch_id, branch_type]
      Ghi chú: drop
    values:
      sex: {Nam: male, Nữ: female}
    rules:
      branch_type:
        match:
          - {contains: [ấp, khu phố], code: hamlet}
        otherwise: other
    fixed:
      political_training: none

Personal columns (``identifier*``, ``birth_date``) are read only to make the member id and the birth year; their
values never reach the table, the log or a message (a refused row is named by its row and column).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from helpers.data.codes import DOMAINS
from helpers.data.contracts import CONTRACTS, ContractError, Problem, enforce, header_key
from helpers.data.importers import FileLog, Imported, ImportLog
from helpers.data.pseudonym import IDENTIFIER_KINDS, identifier_input, member_pseudonym
from helpers.data.readers import Sheet, nfc, read_sheets
from helpers.errors import BadInput, HeaderNotFound
from helpers.text import both, t

MAPPINGS_DIR = Path(__file__).resolve().parents[1] / "mappings"
MEMBERS = CONTRACTS["members"]
DROP = "drop"
IDENTIFIERS = {
    "identifier": "identity",
    "identifier.identity": "identity",
    "identifier.card": "card",
    "identifier.name": "name",
}
BIRTH_DATE = "birth_date"
PERSONAL = frozenset({*IDENTIFIERS, BIRTH_DATE})
FIELDS = tuple(name for name in MEMBERS.names if name != "member_id")  # member_id is always the pseudonym
TARGETS = (*FIELDS, *IDENTIFIERS, BIRTH_DATE, DROP)
CODED = {f.name: f.domain for f in MEMBERS.fields if f.domain} | {"cause_group": "cause_group"}
DATES = tuple(f.name for f in MEMBERS.fields if f.kind == "date")
NULLABLE = frozenset(f.name for f in MEMBERS.fields if f.nullable)
# Fields a mapping must give (by a column or a fixed value): every field the members contract requires, but the
# pseudonym (member_id) and what the import derives (entry_kind, entry_date, and exit_kind from the status).
NEEDED = tuple(
    f.name for f in MEMBERS.fields if not f.nullable and f.name not in ("member_id", "entry_kind", "exit_kind")
)
TOP_KEYS = (
    "format",
    "version",
    "name",
    "description",
    "table",
    "header_row",
    "scan_rows",
    "columns",
    "values",
    "rules",
    "units",
    "entry",
    "fixed",
    "branch_id_from_name",
)
FORMATS = ("members", "csdl")  # what this engine reads; a Biểu 1 mapping (format: bieu1) goes to its own importer
RULE_KEYS = ("when", "match", "otherwise")
MATCH_KEYS = ("contains", "code", "when")
UNIT_KEYS = ("names", "ignore_words", "levels")
ENTRY_KEYS = ("on_roll_before",)
SCAN_ROWS = 30
LISTED_ROWS = 10  # row numbers a log note lists before "…"
LISTED_REFUSALS = 40  # contract problems listed one by one per sheet
_UNSET = object()


# --- the mapping -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Match:
    """One keyword rule: any of ``contains`` (header keys, as whole words) in the text gives ``code``."""

    contains: tuple[str, ...]
    code: str | None
    when: dict[str, tuple[str | None, ...]]


@dataclass(frozen=True)
class FieldRules:
    """The ordered rules of one field, the rows they apply to, and the code when none matches."""

    match: tuple[Match, ...]
    when: dict[str, tuple[str | None, ...]]
    otherwise: object = _UNSET  # a code, None (leave empty), or _UNSET (refuse the row)


@dataclass(frozen=True)
class Units:
    """How unit names in the file become unit codes: explicit names first, then the units table's names and codes."""

    names: dict[str, str]  # unit key → code
    ignore_words: tuple[str, ...]
    levels: tuple[str, ...] | None


@dataclass(frozen=True)
class Mapping:
    """A loaded and checked mapping file (see the module's docstring for the format)."""

    name: str
    path: Path
    header_row: int | None  # file row (from 1), None to find it
    scan_rows: int
    columns: dict[str, tuple[str, ...]]  # header key → targets, in the file's order
    headers: dict[str, str]  # header key → the header as the mapping writes it
    values: dict[str, dict[str | None, str | None]]  # field → text key (None: empty cell) → code
    rules: dict[str, FieldRules]
    units: Units | None
    fixed: dict[str, str]
    on_roll_before: str | None  # ISO date
    branch_id_from_name: bool
    order: tuple[str, ...] = field(default=())  # coded fields in the order their `when` conditions need

    def sources(self, target: str) -> list[str]:
        """The headers (as keys) that give ``target``, in the mapping's order."""
        return [key for key, targets in self.columns.items() if target in targets]


class _Problems:
    """Collects the problems of one mapping file, each naming its key."""

    def __init__(self) -> None:
        self.messages: list[str] = []

    def add(self, message: str, **fields) -> None:
        self.messages.append(both(message, **fields))


def _text(value: object) -> str:
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _code(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)


def _as_list(value: object) -> list:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def _check_keys(node: dict, allowed: Sequence[str], where: str, problems: _Problems) -> None:
    for key in node:
        if key not in allowed:
            shown = f"{where}.{key}" if where else str(key)
            problems.add("import.mapping.unknown_key", entry=shown, allowed=", ".join(allowed))


def _table(node: object, key: str, problems: _Problems) -> dict:
    if node is None:
        return {}
    if not isinstance(node, dict):
        problems.add("import.mapping.must_be_table", entry=key)
        return {}
    bad = [k for k in node if isinstance(k, bool)]
    for k in bad:
        problems.add("import.mapping.quote_key", entry=f"{key}.{k}", value=str(k))
    return {k: v for k, v in node.items() if not isinstance(k, bool)}


def _check_code(fieldname: str, value: object, key: str, problems: _Problems) -> str | None:
    code = _code(value)
    if code is None:
        if fieldname not in NULLABLE:
            problems.add("import.mapping.not_nullable", entry=key, field=fieldname)
        return None
    allowed = DOMAINS[CODED[fieldname]]
    if code not in allowed:
        problems.add("import.mapping.bad_code", entry=key, value=code, field=fieldname, allowed=", ".join(allowed))
    return code


def _date_text(value: object) -> str | None:
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return parse_date(str(value)) if value is not None else None


def _conditions(node: object, key: str, own: str | None, sources: set[str], problems: _Problems) -> dict:
    out: dict[str, tuple[str | None, ...]] = {}
    for fieldname, codes in _table(node, key, problems).items():
        where = f"{key}.{fieldname}"
        if fieldname not in CODED or fieldname == own:
            problems.add("import.mapping.bad_condition", entry=where, allowed=", ".join(sorted(set(CODED) - {own})))
            continue
        if fieldname not in sources:
            problems.add("import.mapping.no_source", entry=where, field=fieldname)
        checked = []
        for code in _as_list(codes) or [None]:
            checked.append(None if code is None else _check_code(fieldname, code, where, problems))
        out[str(fieldname)] = tuple(checked)
    return out


def _order(rules: dict[str, FieldRules], problems: _Problems) -> tuple[str, ...]:
    """Coded fields so that every field comes after the fields its `when` conditions read."""
    needs = {f: set(r.when) | {c for m in r.match for c in m.when} for f, r in rules.items()}
    done: list[str] = []
    visiting: list[str] = []

    def visit(name: str) -> None:
        if name in done:
            return
        if name in visiting:
            problems.add("import.mapping.when_cycle", entry=f"rules.{name}", fields=", ".join([*visiting, name]))
            return
        visiting.append(name)
        for other in sorted(needs.get(name, ())):
            visit(other)
        visiting.pop()
        done.append(name)

    for name in CODED:
        visit(name)
    return tuple(done)


def load_mapping(path: str | Path) -> Mapping:
    """Read and check a mapping file; raises :class:`BadInput` listing every problem, each naming its key."""
    path = Path(path)
    try:
        node = yaml.safe_load(path.read_text(encoding="utf-8-sig"))
    except OSError as err:
        raise BadInput(both("import.mapping.unreadable", file=str(path), line="-", error=err.strerror)) from None
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        line = mark.line + 1 if mark is not None else "-"
        problem = getattr(err, "problem", None) or str(err).splitlines()[0]
        raise BadInput(both("import.mapping.unreadable", file=str(path), line=line, error=problem)) from None
    if not isinstance(node, dict):
        raise BadInput(both("import.mapping.not_a_table", file=str(path)))
    problems = _Problems()
    _check_keys(node, TOP_KEYS, "", problems)

    fmt = node.get("format", "members")
    if fmt not in FORMATS:
        problems.add("import.mapping.other_format", entry="format", value=str(fmt), allowed=", ".join(FORMATS))
    table = node.get("table", "members")
    if table != "members":
        problems.add("import.mapping.bad_table", entry="table", value=str(table), allowed="members")

    header_row: int | None = None
    raw_header = node.get("header_row", "find")
    if isinstance(raw_header, bool) or not (raw_header == "find" or (isinstance(raw_header, int) and raw_header >= 1)):
        problems.add("import.mapping.bad_header_row", entry="header_row", value=str(raw_header))
    elif raw_header != "find":
        header_row = raw_header
    scan_rows = node.get("scan_rows", SCAN_ROWS)
    if isinstance(scan_rows, bool) or not isinstance(scan_rows, int) or scan_rows < 1:
        problems.add("import.mapping.bad_number", entry="scan_rows", value=str(scan_rows))
        scan_rows = SCAN_ROWS

    # columns
    columns: dict[str, tuple[str, ...]] = {}
    headers: dict[str, str] = {}
    raw_columns = _table(node.get("columns"), "columns", problems)
    if "columns" not in node:
        problems.add("import.mapping.missing_key", entry="columns")
    for header, value in raw_columns.items():
        where = ".".join(("columns", _text(header)))  # the key as messages name it
        key = header_key(_text(header))
        if not key:
            problems.add("import.mapping.empty_header", entry=where)
            continue
        if key in columns:
            problems.add("import.mapping.duplicate_header", entry=where, other=headers[key])
            continue
        targets = [str(v) for v in _as_list(value)]
        if not targets:
            problems.add("import.mapping.bad_target", entry=where, value="", allowed=", ".join(TARGETS))
            continue
        bad = [v for v in targets if v not in TARGETS]
        for v in bad:
            problems.add("import.mapping.bad_target", entry=where, value=v, allowed=", ".join(TARGETS))
        if len(targets) > 1 and (set(targets) & (PERSONAL | {DROP})):
            problems.add("import.mapping.personal_alone", entry=where)
        columns[key] = tuple(targets)
        headers[key] = nfc(_text(header))
    given = {target for targets in columns.values() for target in targets}
    sources = given - PERSONAL - {DROP}

    # fixed values
    fixed: dict[str, str] = {}
    for name, value in _table(node.get("fixed"), "fixed", problems).items():
        where = f"fixed.{name}"
        if name not in FIELDS:
            problems.add("import.mapping.bad_target", entry=where, value=str(name), allowed=", ".join(FIELDS))
            continue
        if name in CODED:
            code = _check_code(name, value, where, problems)
        elif name in DATES:
            code = _date_text(value)
            if code is None:
                problems.add("import.mapping.bad_date", entry=where, value=_text(value))
        else:
            code = None if value is None else _text(value)
        if code is not None:
            fixed[name] = code
    sources |= set(fixed)

    # values
    values: dict[str, dict[str | None, str | None]] = {}
    for name, table_node in _table(node.get("values"), "values", problems).items():
        where = f"values.{name}"
        if name not in CODED:
            problems.add("import.mapping.not_coded", entry=where, field=str(name), allowed=", ".join(CODED))
            continue
        if name not in given:
            problems.add("import.mapping.no_source", entry=where, field=name)
        out: dict[str | None, str | None] = {}
        for text, code in _table(table_node, where, problems).items():
            out[None if text is None else header_key(_text(text))] = _check_code(
                name, code, f"{where}.{text}", problems
            )
        values[name] = out

    # rules
    rules: dict[str, FieldRules] = {}
    for name, rule_node in _table(node.get("rules"), "rules", problems).items():
        where = f"rules.{name}"
        if name not in CODED:
            problems.add("import.mapping.not_coded", entry=where, field=str(name), allowed=", ".join(CODED))
            continue
        if name not in given:
            problems.add("import.mapping.no_source", entry=where, field=name)
        rule_node = _table(rule_node, where, problems)
        _check_keys(rule_node, RULE_KEYS, where, problems)
        matches = []
        for i, item in enumerate(_as_list(rule_node.get("match"))):
            at = f"{where}.match[{i + 1}]"
            item = _table(item, at, problems)
            _check_keys(item, MATCH_KEYS, at, problems)
            words = tuple(header_key(_text(w)) for w in _as_list(item.get("contains")))
            if not words or not all(words) or "code" not in item:
                problems.add("import.mapping.bad_rule", entry=at)
                continue
            code = _check_code(name, item["code"], f"{at}.code", problems)
            matches.append(Match(words, code, _conditions(item.get("when"), f"{at}.when", name, sources, problems)))
        otherwise = _UNSET
        if "otherwise" in rule_node:
            otherwise = _check_code(name, rule_node["otherwise"], f"{where}.otherwise", problems)
        when = _conditions(rule_node.get("when"), f"{where}.when", name, sources, problems)
        rules[name] = FieldRules(tuple(matches), when, otherwise)

    # units
    units = None
    if "units" in node:
        unit_node = _table(node.get("units"), "units", problems)
        _check_keys(unit_node, UNIT_KEYS, "units", problems)
        ignore = tuple(k for k in (header_key(_text(w)) for w in _as_list(unit_node.get("ignore_words"))) if k)
        names = {
            unit_key(_text(text), ignore): _text(code)
            for text, code in _table(unit_node.get("names"), "units.names", problems).items()
        }
        levels = unit_node.get("levels")
        if levels is not None:
            levels = tuple(str(v) for v in _as_list(levels))
            for level in levels:
                if level not in DOMAINS["unit_level"]:
                    problems.add(
                        "import.mapping.bad_code",
                        entry="units.levels",
                        value=level,
                        field="level",
                        allowed=", ".join(DOMAINS["unit_level"]),
                    )
        units = Units(names, ignore, levels)

    # entries onto the rolls
    on_roll_before = None
    entry = _table(node.get("entry"), "entry", problems)
    _check_keys(entry, ENTRY_KEYS, "entry", problems)
    if entry.get("on_roll_before") is not None:
        on_roll_before = _date_text(entry["on_roll_before"])
        if on_roll_before is None:
            problems.add("import.mapping.bad_date", entry="entry.on_roll_before", value=_text(entry["on_roll_before"]))

    from_name = node.get("branch_id_from_name", False)
    if not isinstance(from_name, bool):
        problems.add("import.mapping.bad_bool", entry="branch_id_from_name")
        from_name = False

    # what the mapping gives
    if raw_columns:
        kinds = {IDENTIFIERS[target] for target in given if target in IDENTIFIERS}
        if not kinds:
            problems.add("import.mapping.no_identifier", entry="columns")
        elif kinds == {"name"} and not given & {BIRTH_DATE, "birth_year"}:
            problems.add("import.mapping.name_needs_birth", entry="columns")
        have = sources | ({"birth_year"} if BIRTH_DATE in given else set())
        missing = [name for name in NEEDED if name not in have]
        if missing:
            problems.add("import.mapping.missing_fields", entry="columns", fields=", ".join(missing))
    order = _order(rules, problems)

    if problems.messages:
        raise BadInput("\n".join([both("import.mapping.invalid", file=str(path)), *problems.messages]))
    return Mapping(
        name=str(node.get("name") or path.stem),
        path=path,
        header_row=header_row,
        scan_rows=scan_rows,
        columns=columns,
        headers=headers,
        values=values,
        rules=rules,
        units=units,
        fixed=fixed,
        on_roll_before=on_roll_before,
        branch_id_from_name=from_name,
        order=order,
    )


def unit_key(text: str, ignore: Iterable[str] = ()) -> str:
    """A unit name as compared: its header key without the ignored words ("đảng bộ", "huyện" …)."""
    key = f" {header_key(text)} "
    for word in ignore:
        key = key.replace(f" {word} ", " ")
    return " ".join(key.split())


# --- values ------------------------------------------------------------------------------------------------

_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
_DMY = re.compile(r"^(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{4})$")
_YMD = re.compile(r"^(\d{4})[/.](\d{1,2})[/.](\d{1,2})$")
_SERIAL = re.compile(r"^\d{5}(?:\.\d+)?$")  # an Excel day number written out as a number
_YEAR = re.compile(r"^(\d{4})$")
_MONTH_YEAR = re.compile(r"^\d{1,2}\s*[/.\-]\s*(\d{4})$")
EXCEL_EPOCH = dt.date(1899, 12, 30)


def parse_date(text: str) -> str | None:
    """A date as ISO text: dd/mm/yyyy (also with dots or dashes), yyyy-mm-dd, or an Excel day number."""
    text = text.strip()
    for pattern, order in ((_ISO, (0, 1, 2)), (_DMY, (2, 1, 0)), (_YMD, (0, 1, 2))):
        match = pattern.match(text)
        if match:
            parts = match.groups()
            try:
                return dt.date(*(int(parts[i]) for i in order)).isoformat()
            except ValueError:
                return None
    if _SERIAL.match(text):
        day = EXCEL_EPOCH + dt.timedelta(days=math.floor(float(text)))
        return day.isoformat() if 1900 <= day.year <= 2100 else None
    return None


def birth_year(text: str) -> str | None:
    """The year of a birth date (a full date, month/year or a year alone)."""
    iso = parse_date(text)
    if iso is not None:
        return iso[:4]
    match = _YEAR.match(text.strip()) or _MONTH_YEAR.match(text.strip())
    return match.group(1) if match else None


def _key_in(phrase: str, key: str) -> bool:
    return f" {phrase} " in f" {key} "


def _texts(series: pd.Series) -> list[str | None]:
    values = series.astype(object)
    return values.where(series.notna(), None).tolist()


def _each(function, values: list[str | None]) -> list:
    """``function`` of every value (None stays None), computed once per distinct value."""
    done = {v: function(v) for v in set(values) if v is not None}
    return [None if v is None else done[v] for v in values]


def _column(values: Sequence[object], index: pd.Index) -> pd.Series:
    return pd.Series([None if v is None or v is pd.NA else v for v in values], index=index, dtype="object").astype(
        "string"
    )


@dataclass
class _Refusals:
    """Rows refused while mapping one sheet: by why, column and field, with the values (for non-personal columns)
    and the rows, for the log; and the members contract's problems, row by row."""

    groups: dict[tuple[str, str, str], dict[str | None, list[int]]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def add(self, reason: str, column: str, fieldname: str, values: Sequence[str | None], rows: Sequence[int]) -> None:
        for value, row in zip(values, rows):
            self.groups.setdefault((reason, column, fieldname), {}).setdefault(value, []).append(int(row))

    @property
    def rows(self) -> set[int]:
        grouped = {r for by_value in self.groups.values() for rows in by_value.values() for r in rows}
        return grouped | {p.row for p in self.problems if p.row is not None}

    def notes(self) -> list[str]:
        notes = []
        for (reason, column, fieldname), by_value in self.groups.items():
            rows = [r for rs in by_value.values() for r in rs]
            common = {"n": len(set(rows)), "column": column, "field": fieldname, "rows": _rows_text(rows)}
            if reason in ("personal", "no_identifier", "duplicate"):  # no values: they would be personal
                notes.append(both(REFUSAL_KEYS[reason], **common))
                continue
            ranked = sorted(by_value.items(), key=lambda item: -len(item[1]))
            values = ", ".join(f"'{v}' ×{len(rs)}" for v, rs in ranked[:5]) + (", …" if len(ranked) > 5 else "")
            notes.append(both(REFUSAL_KEYS[reason], values=values, **common))
        problems = sorted(self.problems, key=lambda p: (p.row or 0, p.column or ""))
        for problem in problems[:LISTED_REFUSALS]:
            notes.append(
                t("import.mapping.refused_contract", "vi", problem=problem.message("vi"))
                + " / "
                + t("import.mapping.refused_contract", "en", problem=problem.message("en"))
            )
        if len(problems) > LISTED_REFUSALS:
            notes.append(both("import.mapping.more_refused", n=len(problems) - LISTED_REFUSALS))
        return notes


REFUSAL_KEYS = {
    "personal": "import.mapping.refused_personal",
    "no_identifier": "import.mapping.refused_no_identifier",
    "duplicate": "import.mapping.refused_duplicate",
    "value": "import.mapping.refused_value",
    "date": "import.mapping.refused_date",
    "unit": "import.mapping.refused_unit",
    "unit_ambiguous": "import.mapping.refused_unit_ambiguous",
}


def _rows_text(rows: Sequence[int]) -> str:
    rows = sorted(set(rows))
    shown = ", ".join(str(r) for r in rows[:LISTED_ROWS])
    return shown + (", …" if len(rows) > LISTED_ROWS else "")


def _when_mask(when: dict[str, tuple[str | None, ...]], frame: dict[str, list], n: int) -> np.ndarray:
    mask = np.ones(n, dtype=bool)
    for fieldname, codes in when.items():
        allowed = set(codes)
        mask &= np.fromiter((v in allowed for v in frame[fieldname]), dtype=bool, count=n)
    return mask


def _coded(
    fieldname: str, texts: list[str | None], mapping: Mapping, frame: dict[str, list]
) -> tuple[list, np.ndarray]:
    """Codes of one coded field (None where empty) and the rows whose text matched nothing (refused)."""
    n = len(texts)
    cache = {v: header_key(v) or None for v in set(texts) if v is not None}
    keys = [None if v is None else cache[v] for v in texts]
    table = mapping.values.get(fieldname, {})
    direct = {header_key(code): code for code in DOMAINS[CODED[fieldname]]}
    rules = mapping.rules.get(fieldname)
    out: list[str | None] = [None] * n
    pending = np.zeros(n, dtype=bool)
    for i, key in enumerate(keys):
        if key is None:
            out[i] = table.get(None, mapping.fixed.get(fieldname))
        elif key in table:
            out[i] = table[key]
        elif key in direct:
            out[i] = direct[key]
        else:
            pending[i] = True
    if rules is not None:
        for match in rules.match:
            hits = {k: any(_key_in(p, k) for p in match.contains) for k in {keys[i] for i in np.flatnonzero(pending)}}
            chosen = pending & np.fromiter((hits.get(k, False) for k in keys), dtype=bool, count=n)
            if match.when:
                chosen &= _when_mask(match.when, frame, n)
            for i in np.flatnonzero(chosen):
                out[i] = match.code
            pending &= ~chosen
        if rules.otherwise is not _UNSET:
            for i in np.flatnonzero(pending):
                out[i] = rules.otherwise
            pending[:] = False
        if rules.when:
            inside = _when_mask(rules.when, frame, n)
            for i in np.flatnonzero(~inside):
                out[i] = None
            pending &= inside
    return out, pending


def _unit_table(units: pd.DataFrame | None, matching: Units) -> dict[str, set[str]]:
    """Unit key → the codes it may stand for: explicit names win, then each unit's name and its code."""
    index: dict[str, set[str]] = {}
    if units is not None:
        table = units
        if matching.levels is not None and "level" in table.columns:
            table = table[table["level"].isin(matching.levels)]
        for code, name in zip(table["unit_code"].astype(str), table["name"].astype(str)):
            index.setdefault(unit_key(code), set()).add(code)
            index.setdefault(unit_key(name, matching.ignore_words), set()).add(code)
    for key, code in matching.names.items():
        index[key] = {code}
    return index


# --- a sheet -----------------------------------------------------------------------------------------------

# A cell like a date or a number of five digits or more (an identity or card number, a day number): the mark of a
# member's record. Masked in the rows that are shown.
_NUMBERISH = re.compile(r"\d{1,4}\s*[/.\-]\s*\d{1,2}\s*[/.\-]\s*\d{2,4}|\d{5,}")


def _describe_rows(cells: pd.DataFrame, rows: range) -> dict[str, str]:
    """What each non-empty row looked at holds, per language, without printing a member's details.

    A row of three cells or more with a date or a long number in it, or starting with a serial number, looks like a
    member's record: it and every row after it are described by their size only (a run of them at once). The rows
    above it (titles, a header the mapping does not know) are shown, cell by cell, dates and long numbers masked.
    """
    described: list[tuple[int, str | list[int]]] = []  # (row, shown cells) or (row, [sizes of a run of records])
    in_records = False
    for i in rows:
        values = [str(v) for v in cells.iloc[i] if not pd.isna(v)]
        if not values:
            continue
        marked = any(_NUMBERISH.search(v) for v in values) or values[0].strip().isdigit()
        in_records = in_records or (len(values) >= 3 and marked)
        if not in_records:
            cut = [f"'{_NUMBERISH.sub('…', v)[:40]}'" for v in values[:20]]
            described.append((i + 1, " | ".join(cut) + (" …" if len(values) > 20 else "")))
        elif described and isinstance(described[-1][1], list):
            described[-1][1].append(len(values))
        else:
            described.append((i + 1, [len(values)]))
    out = {}
    for lang in ("vi", "en"):
        parts = []
        for row, held in described:
            if isinstance(held, str):
                parts.append(t("import.mapping.row_text", lang, row=row, cells=held))
            elif len(held) == 1:
                parts.append(t("import.mapping.row_record", lang, row=row, n=held[0]))
            else:
                parts.append(
                    t("import.mapping.rows_records", lang, first=row, count=len(held), low=min(held), high=max(held))
                )
        out[lang] = "; ".join(parts) or t("import.mapping.rows_empty", lang)
    return out


def _where(sheet: Sheet) -> str:
    """A sheet as messages name it: the file, and the sheet of a workbook."""
    return f"{sheet.path.name} [{sheet.name}]" if sheet.name and sheet.encoding is None else sheet.path.name


def _header_scores(cells: pd.DataFrame, mapping: Mapping, rows: range) -> list[int]:
    return [len({header_key(v) for v in cells.iloc[i] if not pd.isna(v)} & set(mapping.columns)) for i in rows]


def _expected_headers(mapping: Mapping) -> str:
    shown = [f"'{h}'" for h in mapping.headers.values()]
    return ", ".join(shown[:12]) + (", …" if len(shown) > 12 else "")


def _both_with(key: str, described: dict[str, str], **fields) -> str:
    return f"{t(key, 'vi', rows=described['vi'], **fields)} / {t(key, 'en', rows=described['en'], **fields)}"


def find_header(sheet: Sheet, mapping: Mapping) -> int:
    """The 0-based row of the header: the row the mapping gives, or the row among the first ``scan_rows`` that holds
    the most of the mapping's headers (at least two). Raises :class:`HeaderNotFound` naming the rows looked at and
    what they held (rows that look like members' records by their size only)."""
    cells = sheet.cells
    if mapping.header_row is not None:
        row = mapping.header_row - 1
        if row < len(cells) and _header_scores(cells, mapping, range(row, row + 1))[0] >= 1:
            return row
        rows = range(max(0, row - 2), min(len(cells), row + 3))
        raise HeaderNotFound(
            _both_with(
                "import.mapping.header_not_at_row",
                _describe_rows(cells, rows),
                file=_where(sheet),
                row=mapping.header_row,
                expected=_expected_headers(mapping),
            )
        )
    rows = range(min(len(cells), mapping.scan_rows))
    scores = _header_scores(cells, mapping, rows)
    best = max(scores, default=0)
    if best >= min(2, len(mapping.columns)) and best > 0:
        return scores.index(best)
    raise HeaderNotFound(
        _both_with(
            "import.mapping.header_not_found",
            _describe_rows(cells, rows),
            file=_where(sheet),
            count=len(rows),
            expected=_expected_headers(mapping),
        )
    )


@dataclass
class _SheetResult:
    frame: pd.DataFrame  # canonical text, one row per member kept, index = file rows
    log: FileLog


def _map_sheet(
    sheet: Sheet, header: int, mapping: Mapping, unit_index: dict, known: set[str] | None, salt: bytes
) -> _SheetResult:
    where = _where(sheet)
    log = FileLog(file=sheet.path.name, sheet=sheet.name if sheet.encoding is None else "")
    if sheet.encoding is not None:
        log.notes.append(both("import.mapping.encoding", encoding=sheet.encoding))
    cells = sheet.cells
    header_keys = [None if pd.isna(v) else header_key(v) or None for v in cells.iloc[header]]
    shown = {j: str(cells.iat[header, j]) for j, k in enumerate(header_keys) if k}
    used = {j: k for j, k in enumerate(header_keys) if k in mapping.columns}
    targets_at: dict[str, list[int]] = {}
    for key, targets in mapping.columns.items():  # the mapping's order: the first column given wins
        for j in (j for j, k in used.items() if k == key):
            for target in targets:
                targets_at.setdefault(target, []).append(j)
    ignored = [shown[j] for j in shown if j not in used]
    log.notes.append(
        both("import.mapping.header_row", row=header + 1, used=len(used), ignored=", ".join(ignored) or "-")
    )
    lacking = [
        name
        for name in NEEDED
        if name not in targets_at
        and name not in mapping.fixed
        and not (name == "birth_year" and BIRTH_DATE in targets_at)
    ]
    lacking += [] if any(target in targets_at for target in IDENTIFIERS) else ["member_id"]
    if lacking:
        wants = set(lacking) | (set(IDENTIFIERS) if "member_id" in lacking else set())
        wants |= {BIRTH_DATE} if "birth_year" in lacking else set()
        wanted = [f"'{mapping.headers[k]}'" for k, targets in mapping.columns.items() if wants & set(targets)]
        raise BadInput(
            both(
                "import.mapping.header_lacks",
                file=where,
                row=header + 1,
                fields=", ".join(lacking),
                headers=", ".join(wanted) or "-",
            )
        )

    body = cells.iloc[header + 1 :]
    body.index = pd.RangeIndex(header + 2, header + 2 + len(body))  # file rows
    filled = body.notna()
    body, filled = body[filled.any(axis=1)], filled[filled.any(axis=1)]  # blank lines are not rows at all
    log.rows_read = len(body)
    content = sorted({j for target, js in targets_at.items() if target != DROP for j in js})
    repeats = np.zeros(len(body), dtype=int)
    for j in used:  # the header written again (a page break in an export): the same text in the same column
        repeats += (body[j] == cells.iat[header, j]).fillna(False).to_numpy(dtype=bool)
    aside = (repeats >= max(2, len(used) // 2)) | (filled[content].sum(axis=1).to_numpy() < 2)
    if aside.any():
        log.rows_set_aside = int(aside.sum())
        log.notes.append(both("import.mapping.set_aside", n=int(aside.sum()), rows=_rows_text(body.index[aside])))
    body = body[~aside]
    index, rows, n = body.index, body.index.to_numpy(), len(body)

    def source(target: str) -> list[str | None]:
        columns = targets_at.get(target, [])
        if not columns:
            return [None] * n
        out = body[columns[0]]
        for j in columns[1:]:
            out = out.fillna(body[j])
        return _texts(out)

    def column_name(target: str) -> str:
        columns = targets_at.get(target, [])
        return shown[columns[0]] if columns else target

    refusals = _Refusals()
    frame: dict[str, list] = {}

    # The birth year: from its own column, else from the birth date.
    given = source("birth_year")
    stated = _each(birth_year, given)
    bad = [i for i, (v, p) in enumerate(zip(given, stated)) if v is not None and p is None]
    refusals.add("date", column_name("birth_year"), "birth_year", [given[i] for i in bad], rows[bad])

    # The member id from the personal columns, which go no further than this block. A member known only by name
    # is told apart by the birth date, or by the birth year when the file has no more.
    identity = [a or b for a, b in zip(source("identifier.identity"), source("identifier"))]
    card, name, birth = source("identifier.card"), source("identifier.name"), source(BIRTH_DATE)
    born = _each(lambda v: parse_date(v) or birth_year(v), birth)
    bad = [i for i, (v, b) in enumerate(zip(birth, born)) if v is not None and b is None]
    refusals.add("personal", column_name(BIRTH_DATE), "birth_year", [None] * len(bad), rows[bad])
    ids, counts = [], dict.fromkeys(IDENTIFIER_KINDS, 0)
    for i, c, m, b, y in zip(identity, card, name, born, stated):
        found = identifier_input(i, c, m, b or y)
        if found is not None:
            counts[found[0]] += 1
        ids.append(None if found is None else member_pseudonym(found[1], salt))
    frame["member_id"] = ids
    missing = [i for i, m in enumerate(ids) if m is None]
    refusals.add("no_identifier", "-", "member_id", [None] * len(missing), rows[missing])
    # A member listed twice on the sheet (the same identifier): the first row counts, the others are refused.
    seen: set[str] = set()
    again = []
    for i, member in enumerate(ids):
        if member is not None:
            if member in seen:
                again.append(i)
            seen.add(member)
    refusals.add("duplicate", "-", "member_id", [None] * len(again), rows[again])
    years = [p or (None if b is None else b[:4]) or mapping.fixed.get("birth_year") for p, b in zip(stated, born)]
    frame["birth_year"] = years
    del identity, card, name, birth, born, ids
    log.notes.append(both("import.mapping.identifiers", **counts))

    for fieldname in DATES:
        given = source(fieldname)
        parsed = _each(parse_date, given)
        bad = [i for i, (v, p) in enumerate(zip(given, parsed)) if v is not None and p is None]
        refusals.add("date", column_name(fieldname), fieldname, [given[i] for i in bad], rows[bad])
        frame[fieldname] = [p or (mapping.fixed.get(fieldname) if v is None else None) for v, p in zip(given, parsed)]

    given = source("unit_code")
    if mapping.units is not None:
        codes: list[str | None] = []
        keys = _each(lambda v: unit_key(v, mapping.units.ignore_words), given)
        for i, (value, key) in enumerate(zip(given, keys)):
            found = unit_index.get(key, set()) if key else set()
            codes.append(next(iter(found)) if len(found) == 1 else None)
            if value is not None and len(found) != 1:
                shown_value = f"{value} ({', '.join(sorted(found))})" if found else value
                reason = "unit_ambiguous" if found else "unit"
                refusals.add(reason, column_name("unit_code"), "unit_code", [shown_value], rows[[i]])
    else:  # codes as written, checked against the units table when there is one
        codes = given
        for i, value in enumerate(given):
            if value is not None and known is not None and value not in known:
                refusals.add("unit", column_name("unit_code"), "unit_code", [value], rows[[i]])
    frame["unit_code"] = [c or (mapping.fixed.get("unit_code") if v is None else None) for c, v in zip(codes, given)]

    branches = source("branch_id")
    if mapping.branch_id_from_name:
        slugs = _each(lambda v: header_key(v).replace(" ", "-"), branches)
        branches = [None if b is None or u is None else f"{u}-{b}" for b, u in zip(slugs, frame["unit_code"])]
    frame["branch_id"] = [b or mapping.fixed.get("branch_id") for b in branches]

    for fieldname in mapping.order:  # coded fields, each after the fields its rules' conditions read
        given = source(fieldname)
        codes, unmatched = _coded(fieldname, given, mapping, frame)
        bad = np.flatnonzero(unmatched)
        refusals.add("value", column_name(fieldname), fieldname, [given[i] for i in bad], rows[bad])
        frame[fieldname] = codes

    if "entry_kind" not in targets_at and "entry_kind" not in mapping.fixed:
        frame["entry_kind"], frame["entry_date"] = _entries(frame["admission_date"], frame["entry_date"], mapping)

    text = pd.DataFrame({name: _column(frame.get(name, [None] * n), index) for name in MEMBERS.names}, index=index)
    checked = text[~text.index.isin(list(refusals.rows))]
    try:
        enforce(checked.reset_index(drop=True), MEMBERS, where, first_row=0)
    except ContractError as err:
        file_rows = checked.index.to_numpy()
        for p in err.problems:
            row = None if p.row is None else int(file_rows[p.row])
            refusals.problems.append(Problem(where, p.rule, p.column, row, p.value, dict(p.detail)))
    refused = refusals.rows
    log.rows_refused = len(refused)
    log.notes += refusals.notes()
    out = text[~text.index.isin(list(refused))]
    log.rows_mapped = len(out)
    return _SheetResult(out, log)


def _entries(admitted: list, entered: list, mapping: Mapping) -> tuple[list, list]:
    """entry_kind and entry_date when the file does not give the kind: a member whose date of joining differs from
    their admission moved in (transferred_in) on that date; one admitted, or moved in, before ``on_roll_before`` was
    on the rolls already (on_roll, no date); the others were admitted on their admission date."""
    cutoff = mapping.on_roll_before
    kinds, dates = [], []
    for admission, entry in zip(admitted, entered):
        if admission is None:
            kinds.append(None)
            dates.append(entry)
        elif entry is not None and entry != admission:
            before = cutoff is not None and entry < cutoff
            kinds.append("on_roll" if before else "transferred_in")
            dates.append(None if before else entry)
        elif cutoff is not None and admission < cutoff:
            kinds.append("on_roll")
            dates.append(None)
        else:
            kinds.append("admitted")
            dates.append(admission)
    return kinds, dates


# --- the whole import --------------------------------------------------------------------------------------


def apply_mapping(
    sheets: Sequence[Sheet], mapping: Mapping, units: pd.DataFrame | None = None, *, salt: bytes
) -> Imported:
    """Map every sheet that holds the mapping's header into one canonical members table (text cells).

    ``units`` (the units table, typed or as text) is what unit names are matched against; ``salt`` keys the member
    pseudonyms (:func:`helpers.data.pseudonym.folder_salt`). A file none of whose sheets holds the header raises
    :class:`HeaderNotFound` naming the rows looked at; rows that cannot be mapped, that break the members contract,
    or that list a member again are refused and named (by file, row and column, never by a personal value) in the
    log. Rows keep the files' order.

    Returns
    -------
    Imported
        ``tables["members"]``: the members contract's columns as text (NA where empty); the log per sheet.
    """
    if not salt:
        raise BadInput(both("import.mapping.no_salt"))
    matching = mapping.units
    if matching is not None and units is None and not matching.names:
        columns = ", ".join(f"'{mapping.headers[k]}'" for k in mapping.sources("unit_code")) or "-"
        raise BadInput(both("import.mapping.no_units", column=columns))
    if matching is not None and units is not None:
        known = set(units["unit_code"].astype(str))
        for name, code in matching.names.items():
            if code not in known:
                raise BadInput(both("import.mapping.unknown_unit_code", entry=f"units.names: {name}", code=code))
    unit_index = _unit_table(units, matching) if matching is not None else {}
    known = None if units is None else set(units["unit_code"].astype(str))
    log = ImportLog(format=mapping.name)
    results: list[tuple[str, _SheetResult]] = []
    not_found: list[str] = []
    by_file: dict[Path, list[Sheet]] = {}
    for sheet in sheets:
        by_file.setdefault(sheet.path, []).append(sheet)
    for path, file_sheets in by_file.items():
        misses: list[tuple[Sheet, str]] = []
        mapped = 0
        for sheet in file_sheets:
            if not sheet.cells.notna().to_numpy().any():
                continue
            try:
                header = find_header(sheet, mapping)
            except HeaderNotFound as err:
                misses.append((sheet, str(err)))
                continue
            result = _map_sheet(sheet, header, mapping, unit_index, known, salt)
            log.add(result.log)
            results.append((_where(sheet), result))
            mapped += 1
        if not mapped:
            not_found += [message for _, message in misses] or [both("import.mapping.empty_file", file=path.name)]
        for sheet, _ in misses if mapped else ():
            log.notes.append(both("import.mapping.sheet_skipped", file=path.name, sheet=sheet.name))
    if not_found:
        raise HeaderNotFound("\n".join(not_found))

    # One member, one row: a member listed again (the same identifier) is refused after their first row.
    seen: set[str] = set()
    kept = []
    for _, result in results:
        frame = result.frame
        again = []
        for row, member in zip(frame.index, frame["member_id"]):
            if member in seen:
                again.append(row)
            seen.add(member)
        if again:
            result.log.rows_refused += len(again)
            result.log.rows_mapped -= len(again)
            result.log.notes.append(both("import.mapping.refused_duplicate", n=len(again), rows=_rows_text(again)))
            frame = frame[~frame.index.isin(again)]
        kept.append(frame)
    members = pd.concat(kept, ignore_index=True) if kept else pd.DataFrame(columns=list(MEMBERS.names))
    if members.empty:
        raise BadInput("\n".join([both("import.mapping.nothing_imported"), *log.lines("vi")[:20]]))
    return Imported({"members": members.astype("string")}, log)


def read_sources(sources: str | Path | Iterable[str | Path]) -> list[Sheet]:
    """Every sheet of every source file, in the order given."""
    paths = [Path(sources)] if isinstance(sources, str | Path) else [Path(s) for s in sources]
    if not paths:
        raise BadInput(both("import.mapping.no_sources"))
    return [sheet for path in paths for sheet in read_sheets(path)]


def import_mapped(
    sources: str | Path | Iterable[str | Path],
    mapping: str | Path | Mapping,
    units: pd.DataFrame | str | Path | None = None,
    *,
    salt: bytes,
) -> Imported:
    """Read ``sources`` and map them with a mapping file (a path, or a mapping loaded with :func:`load_mapping`)."""
    loaded = mapping if isinstance(mapping, Mapping) else load_mapping(mapping)
    return apply_mapping(read_sources(sources), loaded, units_frame(units), salt=salt)


def units_frame(units: pd.DataFrame | str | Path | None) -> pd.DataFrame | None:
    """The units table to match names against: as given, or loaded (under its contract) from a path."""
    if units is None or isinstance(units, pd.DataFrame):
        return units
    from helpers.data.datasets import load_table

    return load_table(Path(units), "units")
