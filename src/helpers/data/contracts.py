"""Written contracts of every input table, enforced with pandera when a table is loaded.

A contract names each column, its type, its allowed codes (labels in ``locales/*/codes.toml``), its range, the
table's key and the rules that cross columns. :func:`enforce` turns raw text (as read from CSV, XLSX or Parquet)
into a typed frame or a list of :class:`Problem` s, one per offending cell or row, each naming file, row, column,
value and rule in Vietnamese and English. Nothing downstream runs on a table that has problems.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import pandas as pd
import pandera.pandas as pa

from helpers.data.codes import ATTRITION_EXITS, DOMAINS, EXIT_REASONS, SOURCE_ATTRIBUTES
from helpers.errors import ContractError
from helpers.text import t

KINDS = ("str", "int", "float", "date", "code")
# Problems met while reading a file (readers, data folders) before any value is judged; texts under contracts.reading.
READING_RULES = frozenset(
    {
        "unsupported_file",
        "unreadable_encoding",
        "empty_file",
        "no_header",
        "no_records",
        "short_row",
        "long_row",
        "same_table",
    }
)


@dataclass(frozen=True)
class Field:
    """One column: its canonical name, kind, whether it must be present and filled, and its allowed values."""

    name: str
    kind: str = "str"
    required: bool = True
    nullable: bool = False
    domain: str | None = None
    min: float | None = None
    max: float | None = None
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Rule:
    """A rule across columns; ``check`` returns True for the rows that satisfy it (rows it cannot judge pass)."""

    name: str
    columns: tuple[str, ...]
    check: Callable[[pd.DataFrame], pd.Series]


@dataclass(frozen=True)
class Contract:
    table: str
    fields: tuple[Field, ...]
    key: tuple[str, ...]
    rules: tuple[Rule, ...] = ()

    def field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)


@dataclass(frozen=True)
class Problem:
    """One contract violation; ``row`` is the row as the user sees it in the file (None for a whole column)."""

    file: str
    rule: str
    column: str | None = None
    row: int | None = None
    value: str | None = None
    detail: dict = field(default_factory=dict)

    def message(self, lang: str) -> str:
        where = t("contracts.where.file", lang, file=self.file)
        if self.row is not None:
            where += t("contracts.where.row", lang, row=self.row)
        if self.column is not None:
            where += t("contracts.where.column", lang, column=self.column)
        what = t(f"contracts.{'reading' if self.rule in READING_RULES else 'rule'}.{self.rule}", lang, **self.detail)
        if self.value is not None:
            return t("contracts.with_value", lang, where=where, value=self.value, what=what)
        return t("contracts.without_value", lang, where=where, what=what)

    def __str__(self) -> str:
        return f"{self.message('vi')}\n    {self.message('en')}"


# --- cross-column rules ------------------------------------------------------------------------------------


def _not_before(later: str, earlier: str) -> Callable[[pd.DataFrame], pd.Series]:
    def check(df: pd.DataFrame) -> pd.Series:
        both = df[later].notna() & df[earlier].notna()
        return ~both | (df[later] >= df[earlier])

    return check


def _stock_identity(df: pd.DataFrame) -> pd.Series:
    flows = [
        "admitted",
        "transferred_in",
        "transferred_out",
        "removed",
        "asked_to_leave",
        "expelled",
        "died",
        "other_exit",
    ]
    given = df[["members_start", "members_end", *flows]].notna().all(axis=1)
    expected = (
        df["members_start"]
        + df["admitted"]
        + df["transferred_in"]
        - df["transferred_out"]
        - df["removed"]
        - df["asked_to_leave"]
        - df["expelled"]
        - df["died"]
        - df["other_exit"]
    )
    return ~given | (df["members_end"] == expected).fillna(True)


def _exit_kind_with_date(df: pd.DataFrame) -> pd.Series:
    return df["exit_kind"].isna() == df["exit_date"].isna()


def _reason_matches_kind(df: pd.DataFrame) -> pd.Series:
    allowed = {(kind, reason) for kind, reasons in EXIT_REASONS.items() for reason in reasons}
    pairs = zip(df["exit_kind"], df["exit_reason"])
    return pd.Series([pd.isna(r) or (k, r) in allowed for k, r in pairs], index=df.index)


def _cause_only_for_attrition(df: pd.DataFrame) -> pd.Series:
    return df["cause_group"].isna() | df["exit_kind"].isin(ATTRITION_EXITS)


def _entry_date_matches_kind(df: pd.DataFrame) -> pd.Series:
    on_roll = df["entry_kind"] == "on_roll"
    admitted_same_day = (df["entry_kind"] != "admitted") | (df["entry_date"] == df["admission_date"])
    return (on_roll == df["entry_date"].isna()) & admitted_same_day.fillna(False)


def _parent_exists(column: str) -> Callable[[pd.DataFrame], pd.Series]:
    def check(df: pd.DataFrame) -> pd.Series:
        return df[column].isna() | df[column].isin(df["unit_code"])

    return check


def _terms_contiguous(df: pd.DataFrame) -> pd.Series:
    ordered = df.sort_values(["province_code", "start_year"])
    previous_end = ordered.groupby("province_code")["end_year"].shift()
    ok = previous_end.isna() | (ordered["start_year"] == previous_end)
    return ok.reindex(df.index)


def _at_most(column: str, bound: str) -> Callable[[pd.DataFrame], pd.Series]:
    def check(df: pd.DataFrame) -> pd.Series:
        return (df[column] <= df[bound]).fillna(True).astype(bool)

    return check


def _outcomes_within_screened(df: pd.DataFrame) -> pd.Series:
    outcomes = df[["screened_removed", "screened_monitored"]]
    total = outcomes.sum(axis=1, min_count=1)
    return (total <= df["screened"]).fillna(True).astype(bool)


def _category_matches_attribute(df: pd.DataFrame) -> pd.Series:
    pairs = zip(df["attribute"], df["category"])
    return pd.Series(
        [pd.isna(a) or pd.isna(c) or a not in SOURCE_ATTRIBUTES or c in DOMAINS[a] for a, c in pairs], index=df.index
    )


def _count(name: str, required: bool = True, aliases: tuple[str, ...] = ()) -> Field:
    return Field(name, "int", required=required, nullable=not required, min=0, aliases=aliases)


def _ratings(prefix: str) -> tuple[Field, ...]:
    return tuple(Field(f"{prefix}_{k}", "int", nullable=True, min=1, max=5) for k in range(1, 8))


CONTRACTS: dict[str, Contract] = {
    "annual_counts": Contract(
        table="annual_counts",
        fields=(
            Field("unit_code", aliases=("ma_don_vi",)),
            Field("year", "int", min=1930, max=2100),
            _count("members_start", required=False, aliases=("dang vien dau nam", "so dang vien dau nam")),
            _count("admitted", required=False, aliases=("ket nap",)),
            _count("transferred_in", required=False, aliases=("chuyen den",)),
            _count("transferred_out", required=False, aliases=("chuyen di",)),
            _count("removed", aliases=("xoa ten", "bi xoa ten")),
            _count("asked_to_leave", aliases=("xin ra", "xin ra khoi dang")),
            _count("expelled", required=False, aliases=("khai tru",)),
            _count("died", required=False, aliases=("tu tran", "tu tran, tu vong")),
            _count("other_exit", required=False),
            _count("members_end", required=False, aliases=("dang vien cuoi nam", "so dang vien cuoi nam")),
        ),
        key=("unit_code", "year"),
        rules=(Rule("stock_identity", ("members_end", "members_start"), _stock_identity),),
    ),
    "members": Contract(
        table="members",
        fields=(
            Field("member_id", aliases=("ma dang vien", "so the dang vien")),
            Field("unit_code"),
            Field("branch_id", aliases=("ma chi bo",)),
            Field("branch_type", "code", domain="branch_type"),
            Field("sex", "code", domain="sex"),
            Field("birth_year", "int", min=1900, max=2100),
            Field("occupation", "code", domain="occupation"),
            Field(
                "professional_training",
                "code",
                domain="professional_training",
                aliases=("trinh do chuyen mon nghiep vu",),
            ),
            Field("political_training", "code", domain="political_training", aliases=("trinh do ly luan chinh tri",)),
            Field("admission_date", "date", aliases=("ngay vao dang",)),
            Field("entry_kind", "code", domain="entry_kind"),
            Field("entry_date", "date", nullable=True),
            Field("exit_date", "date", nullable=True),
            Field("exit_kind", "code", nullable=True, domain="exit_kind"),
            Field("exit_reason", "code", nullable=True, domain="exit_reason"),
            Field("cause_group", "int", nullable=True, min=1, max=7),
        ),
        key=("member_id",),
        rules=(
            Rule("exit_after_admission", ("exit_date", "admission_date"), _not_before("exit_date", "admission_date")),
            Rule("exit_after_entry", ("exit_date", "entry_date"), _not_before("exit_date", "entry_date")),
            Rule(
                "entry_after_admission", ("entry_date", "admission_date"), _not_before("entry_date", "admission_date")
            ),
            Rule("entry_date_matches_kind", ("entry_kind", "entry_date"), _entry_date_matches_kind),
            Rule("exit_kind_with_date", ("exit_kind", "exit_date"), _exit_kind_with_date),
            Rule("reason_matches_kind", ("exit_reason", "exit_kind"), _reason_matches_kind),
            Rule("cause_only_for_attrition", ("cause_group", "exit_kind"), _cause_only_for_attrition),
        ),
    ),
    "survey": Contract(
        table="survey",
        fields=(
            Field("respondent_id", aliases=("ma phieu",)),
            Field("respondent_type", "code", domain="respondent_type", aliases=("doi tuong",)),
            Field("unit_code"),
            Field("branch_id", required=False, nullable=True),
            Field("branch_type", "code", nullable=True, domain="branch_type"),
            Field("year", "int", min=1930, max=2100),
            *_ratings("cause"),
            *_ratings("solution"),
        ),
        key=("respondent_id",),
    ),
    "units": Contract(
        table="units",
        fields=(
            Field("unit_code"),
            Field("name", aliases=("ten don vi",)),
            Field("parent_code", nullable=True, aliases=("ma don vi cap tren",)),
            Field("level", "code", domain="unit_level"),
            Field("valid_from", "date", aliases=("hieu luc tu",)),
            Field("valid_to", "date", nullable=True, aliases=("hieu luc den",)),
            Field("successor_code", nullable=True, aliases=("ma don vi ke thua",)),
        ),
        key=("unit_code",),
        rules=(
            Rule("valid_to_after_from", ("valid_to", "valid_from"), _not_before("valid_to", "valid_from")),
            Rule("parent_exists", ("parent_code",), _parent_exists("parent_code")),
            Rule("successor_exists", ("successor_code",), _parent_exists("successor_code")),
        ),
    ),
    "terms": Contract(
        table="terms",
        fields=(
            Field("province_code"),
            Field("label"),
            Field("congress_number", required=False, nullable=True),
            Field("start_year", "int", min=1930, max=2100),
            Field("end_year", "int", min=1930, max=2100),
            Field("congress_date", "date", required=False, nullable=True),
        ),
        key=("province_code", "label"),
        rules=(
            Rule("end_after_start", ("end_year", "start_year"), lambda df: df["end_year"] > df["start_year"]),
            Rule("terms_contiguous", ("start_year",), _terms_contiguous),
        ),
    ),
    "targets": Contract(
        table="targets",
        fields=(
            Field("unit_code"),
            Field("term"),
            Field("indicator", "code", domain="target_indicator"),
            Field("baseline_term"),
            Field("direction", "code", domain="target_direction"),
            Field("change_pct", "float", min=0, max=100),
            Field("source", nullable=True),
        ),
        key=("unit_code", "term", "indicator"),
        rules=(Rule("baseline_differs", ("baseline_term", "term"), lambda df: df["baseline_term"] != df["term"]),),
    ),
    # Admission plans per unit and year. With a member registry the admissions are derived from it and the two
    # reported columns are not used; a unit's own plan row wins over the sum of its subordinate units' plans.
    "admission_plans": Contract(
        table="admission_plans",
        fields=(
            Field("unit_code"),
            Field("year", "int", min=1990, max=2100),
            _count("planned", aliases=("chi tieu", "chi tieu ket nap", "ke hoach", "ke hoach ket nap")),
            _count("admitted", required=False, aliases=("ket nap", "da ket nap", "so ket nap")),
            _count(
                "admitted_first_half",
                required=False,
                aliases=("ket nap 6 thang", "ket nap 6 thang dau nam", "6 thang dau nam"),
            ),
        ),
        key=("unit_code", "year"),
        rules=(
            Rule(
                "first_half_within_year",
                ("admitted_first_half", "admitted"),
                _at_most("admitted_first_half", "admitted"),
            ),
        ),
    ),
    "admission_sources": Contract(
        table="admission_sources",
        fields=(
            Field("unit_code"),
            Field("year", "int", min=1930, max=2100),
            Field("attribute", "code", domain="source_attribute", aliases=("thuoc tinh",)),
            Field("category", aliases=("nhom",)),
            _count("count", aliases=("so luong", "so nguoi")),
        ),
        key=("unit_code", "year", "attribute", "category"),
        rules=(Rule("category_matches_attribute", ("category", "attribute"), _category_matches_attribute),),
    ),
    "quality_ratings": Contract(
        table="quality_ratings",
        fields=(
            Field("unit_code"),
            Field("year", "int", min=1930, max=2100),
            Field("subject", "code", domain="rating_subject", aliases=("doi tuong",)),
            Field("rating", "code", domain="quality_rating", aliases=("xep loai", "muc xep loai")),
            _count("count", aliases=("so luong",)),
        ),
        key=("unit_code", "year", "subject", "rating"),
    ),
    "member_management": Contract(
        table="member_management",
        fields=(
            Field("unit_code"),
            Field("year", "int", min=1930, max=2100),
            _count("members", aliases=("tong so dang vien", "so dang vien cuoi nam")),
            _count(
                "exempted",
                required=False,
                aliases=("mien sinh hoat", "mien cong tac va sinh hoat dang", "duoc mien cong tac va sinh hoat"),
            ),
            _count("far_away", required=False, aliases=("di lam an xa", "dang vien di lam an xa")),
            _count("far_away_overdue", required=False, aliases=("lam an xa qua han", "het han khong gia han")),
            _count("registered_76", required=False, aliases=("dang vien 76", "76")),
            _count("screened", required=False, aliases=("ra soat", "so duoc ra soat")),
            _count("screened_removed", required=False, aliases=("dua ra khoi dang", "dua ra khoi dang sau ra soat")),
            _count("screened_monitored", required=False, aliases=("tiep tuc theo doi", "theo doi giao duc")),
        ),
        key=("unit_code", "year"),
        rules=(
            Rule("exempted_within_members", ("exempted", "members"), _at_most("exempted", "members")),
            Rule("far_away_within_members", ("far_away", "members"), _at_most("far_away", "members")),
            Rule("overdue_within_far_away", ("far_away_overdue", "far_away"), _at_most("far_away_overdue", "far_away")),
            Rule("registered_76_within_members", ("registered_76", "members"), _at_most("registered_76", "members")),
            Rule("screened_within_members", ("screened", "members"), _at_most("screened", "members")),
            Rule(
                "screening_outcomes_within_screened",
                ("screened_removed", "screened_monitored", "screened"),
                _outcomes_within_screened,
            ),
        ),
    ),
}


# --- headers -----------------------------------------------------------------------------------------------


def header_key(text: str) -> str:
    """Header text reduced to lowercase ASCII words, so 'Xoá tên', 'XÓA TÊN' and 'xoa_ten' compare equal."""
    text = unicodedata.normalize("NFD", str(text).replace("đ", "d").replace("Đ", "D"))
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Mn").lower()
    return " ".join(re.findall(r"[a-z0-9]+", text))


def header_aliases(contract: Contract) -> dict[str, str]:
    """Every accepted header (canonical, Vietnamese label, English label, listed aliases) → canonical name."""
    out: dict[str, str] = {}
    for f in contract.fields:
        names = [f.name, *f.aliases, t(f"columns.{f.name}", "vi"), t(f"columns.{f.name}", "en")]
        for name in names:
            out[header_key(name)] = f.name
    return out


# --- parsing text into typed columns -----------------------------------------------------------------------

_THOUSANDS = re.compile(r"^-?\d{1,3}([. ]\d{3})+$")
_INTEGRAL_FLOAT = re.compile(r"^-?\d+\.0+$")
_DMY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


def _normalise_int(text: str) -> str:
    if _THOUSANDS.match(text):
        return text.replace(".", "").replace(" ", "")
    if _INTEGRAL_FLOAT.match(text):
        return text.split(".")[0]
    return text


def _normalise_float(text: str) -> str:
    if "," in text:
        return text.replace(".", "").replace(" ", "").replace(",", ".")
    return text


def _normalise_date(text: str) -> str:
    match = _DMY.match(text)
    if match:
        day, month, year = match.groups()
        return f"{year}-{int(month):02d}-{int(day):02d}"
    return text[:10] if re.match(r"^\d{4}-\d{2}-\d{2}[ T]00:00:00", text) else text


def parse_column(text: pd.Series, kind: str) -> pd.Series:
    """Text cells as the contract's type (Int64, Float64, datetime64 or string); unreadable cells become NA."""
    if kind == "int":
        numbers = pd.to_numeric(text.map(_normalise_int, na_action="ignore").astype(object), errors="coerce").astype(
            "float64"
        )
        whole = numbers.where(numbers.isna() | (numbers % 1 == 0))
        return whole.astype("Int64")
    if kind == "float":
        numbers = pd.to_numeric(text.map(_normalise_float, na_action="ignore").astype(object), errors="coerce")
        return numbers.astype("float64").astype("Float64")
    if kind == "date":
        iso = text.map(_normalise_date, na_action="ignore")
        return pd.to_datetime(iso, format="%Y-%m-%d", errors="coerce").astype("datetime64[ns]")
    return text.astype("string")


_DTYPES = {"str": "string", "code": "string", "int": "Int64", "float": "Float64", "date": "datetime64[ns]"}


def _column_schema(f: Field) -> pa.Column:
    checks = []
    if f.domain:
        allowed = DOMAINS[f.domain]
        checks.append(pa.Check(lambda s, allowed=allowed: s.isin(allowed), name="allowed_codes"))
    if f.min is not None:
        checks.append(pa.Check(lambda s, lo=f.min: s >= lo, name="minimum"))
    if f.max is not None:
        checks.append(pa.Check(lambda s, hi=f.max: s <= hi, name="maximum"))
    return pa.Column(_DTYPES[f.kind], checks=checks, nullable=f.nullable, required=False)


def schema(contract: Contract) -> pa.DataFrameSchema:
    """The pandera schema of a contract (columns, ranges, codes, key, cross-column rules)."""
    return pa.DataFrameSchema(
        {f.name: _column_schema(f) for f in contract.fields},
        checks=[pa.Check(rule.check, name=rule.name) for rule in contract.rules],
        unique=list(contract.key),
        strict=False,
        name=contract.table,
    )


# --- enforcing ---------------------------------------------------------------------------------------------


def _shown(value: object) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return t("contracts.empty", "vi") + " / " + t("contracts.empty", "en")
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    return str(value)


def _rule_detail(contract: Contract, rule: str, column: str | None) -> dict:
    if column is None:
        return {}
    f = contract.field(column) if column in contract.names else None
    if rule == "allowed_codes" and f is not None:
        return {"allowed": ", ".join(DOMAINS[f.domain])}
    if rule in ("minimum", "maximum") and f is not None:
        bound = f.min if rule == "minimum" else f.max
        return {"bound": int(bound) if float(bound).is_integer() else bound}
    return {}


def enforce(
    raw: pd.DataFrame,
    contract: Contract,
    file: str,
    first_row: int = 2,
    units: set[str] | None = None,
    rows: Sequence[int] | None = None,
) -> pd.DataFrame:
    """Check raw text against ``contract`` and return the typed frame, or raise :class:`ContractError`.

    ``raw`` holds strings (NA for empty cells) under the headers as written. Every message names the row the user
    sees in the file: ``rows`` gives the file row of each record (as :class:`helpers.data.readers.RawTable` keeps
    them, when title, totals or blank rows sit between records); without it the records are contiguous from
    ``first_row`` (2 for a file with one header line). With ``units``, only rows of those units (and rows whose unit
    is missing) are checked and returned: a report on one unit is not stopped by a broken row of another. A file
    without records is refused where files are loaded (:func:`helpers.data.datasets.load_table`), not here.
    """
    return enforce_with_rows(raw, contract, file, first_row=first_row, units=units, rows=rows)[0]


def enforce_with_rows(
    raw: pd.DataFrame,
    contract: Contract,
    file: str,
    first_row: int = 2,
    units: set[str] | None = None,
    rows: Sequence[int] | None = None,
) -> tuple[pd.DataFrame, tuple[int, ...]]:
    """:func:`enforce`, and the file row of each row of the typed frame (which ``units`` may have thinned)."""
    if rows is None:
        rows = range(first_row, first_row + len(raw))
    if len(rows) != len(raw):
        raise ValueError(f"{len(rows)} file rows for {len(raw)} records of {file}")
    problems: list[Problem] = []
    aliases = header_aliases(contract)
    renamed: dict[str, str] = {}
    for header in raw.columns:
        canonical = aliases.get(header_key(header))
        if canonical is None:
            continue
        if canonical in renamed.values():
            problems.append(Problem(file, "duplicate_column", column=canonical, value=str(header)))
            continue
        renamed[header] = canonical
    for f in contract.fields:
        if f.required and f.name not in renamed.values():
            problems.append(
                Problem(file, "missing_column", column=f.name, detail={"label": t(f"columns.{f.name}", "vi")})
            )
    if problems:
        raise ContractError(problems)

    text = raw[list(renamed)].rename(columns=renamed)
    text.index = pd.Index([int(r) for r in rows], dtype="int64")
    if units is not None and "unit_code" in text.columns:
        code = text["unit_code"].astype("string").str.strip()
        text = text[(code.isin(units) | code.isna() | (code == "")).to_numpy()]
    typed = pd.DataFrame(index=text.index)
    unparsed: set[tuple[int, str]] = set()
    for f in contract.fields:
        if f.name not in text.columns:
            typed[f.name] = pd.Series(pd.NA, index=text.index, dtype=_DTYPES[f.kind])
            continue
        column = text[f.name].astype("string").str.strip().replace("", pd.NA)
        typed[f.name] = parse_column(column, f.kind)
        bad = column.notna() & typed[f.name].isna()
        for row in column.index[bad]:
            unparsed.add((row, f.name))
            problems.append(Problem(file, f"not_{f.kind}", column=f.name, row=int(row), value=str(column[row])))

    try:
        schema(contract).validate(typed, lazy=True)
    except pa.errors.SchemaErrors as err:
        problems.extend(_problems_from_failures(err.failure_cases, contract, typed, file, unparsed))
    if problems:
        raise ContractError(sorted(problems, key=lambda p: (p.row or 0, p.column or "")))
    return typed.reset_index(drop=True), tuple(int(r) for r in typed.index)


def _problems_from_failures(
    failures: pd.DataFrame, contract: Contract, typed: pd.DataFrame, file: str, unparsed: set[tuple[int, str]]
) -> list[Problem]:
    problems: list[Problem] = []
    rules = {rule.name: rule for rule in contract.rules}
    seen: set[tuple[str, int]] = set()
    for case in failures.itertuples(index=False):
        row = None if pd.isna(case.index) else int(case.index)
        check = str(case.check)
        if case.schema_context == "Column":
            if (row, case.column) in unparsed:
                continue  # already reported as unreadable
            rule = {"not_nullable": "required_value", "field_uniqueness": "duplicate_key"}.get(check, check)
            value = None if rule == "required_value" else _shown(case.failure_case)
            problems.append(
                Problem(
                    file,
                    rule,
                    column=case.column,
                    row=row,
                    value=value,
                    detail=_rule_detail(contract, rule, case.column),
                )
            )
            continue
        # Table-level failures arrive once per column of a failing row: report each row once, naming the rule's
        # columns and their values.
        name = "duplicate_key" if check == "multiple_fields_uniqueness" else check
        if row is None or (name, row) in seen:
            continue
        seen.add((name, row))
        columns = rules[name].columns if name in rules else contract.key
        values = ", ".join(f"{c}={_shown(typed.at[row, c])}" for c in columns)
        problems.append(Problem(file, name, column=", ".join(columns), row=row, value=values))
    return problems
