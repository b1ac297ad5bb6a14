"""Figures stated in the source documents, and a checker that recomputes them.

Each row of ``data/published/figures*.csv`` is one number a document states, with its quote. The checker
recomputes every stated percentage, percent change, plan attainment and total-of-parts so that an
inconsistency in a real document is reported, never silently corrected. See ``data/published/README.md``.
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pandas as pd
from babel.numbers import format_decimal

from helpers.errors import FiguresError
from helpers.paths import published_dir
from helpers.text import LOCALES, both, t

COLUMNS = (
    "figure_id",
    "source_id",
    "place",
    "period",
    "indicator",
    "label_vi",
    "value",
    "unit",
    "check",
    "base_id",
    "stated_pct",
    "parts",
    "qualifier",
    "quote",
)
OPTIONAL = ("label_en",)  # the figure's name in English; the Vietnamese name stands in where it is empty
CHECKS = ("share", "change", "attainment", "total", "none")
RESULT_COLUMNS = (
    "figure_id",
    "place",
    "period",
    "indicator",
    "rule",
    "stated",
    "recomputed",
    "tolerance",
    "verdict",
    "implied",
    "explanation_vi",
    "explanation_en",
)
REPRODUCED_COLUMNS = ("figure_id", "label_vi", "stated", "computed", "verdict", "decimals")
EPS = 1e-9
_WHOLE = re.compile(r"\d+")
_PCT = re.compile(r"[+-]?(?:\d{1,3}(?:\.\d{3})+|\d+)(?:,\d+)?")
_AT_LEAST = ("hơn", "trên", "ít nhất", "tối thiểu")
_AT_MOST = ("dưới", "không quá", "chưa đến", "tối đa")
_ABOUT = ("khoảng", "gần", "xấp xỉ", "trên dưới", "chừng")


# --- loading ------------------------------------------------------------------------------------------


def load_figures(paths: list[Path] | None = None) -> pd.DataFrame:
    """Read ``figures*.csv`` from ``published_dir()`` (or ``paths``) into one validated table.

    Adds ``file`` (file name) and ``row`` (line number; header = 1). ``value`` becomes a float (NaN when
    empty); ``stated_pct`` stays the string written in the document. Raises `FiguresError` on bad rows.
    """
    if paths is None:
        paths = sorted(published_dir().glob("figures*.csv"))
        if not paths:
            raise FiguresError(both("published.error.no_files", folder=published_dir()))
    records = [rec for path in paths for rec in _read(Path(path))]
    _validate(records)
    frame = pd.DataFrame(records, columns=[*COLUMNS, *OPTIONAL, "file", "row"])
    frame["value"] = pd.to_numeric(frame["value"].replace("", None), errors="raise").astype(float)
    return frame


def _read(path: Path) -> list[dict]:
    """Rows of one CSV as dicts of stripped strings, with file name and line number."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        header = [h.strip() for h in next(reader, [])]
        missing = [c for c in COLUMNS if c not in header]
        if missing:
            raise FiguresError(both("published.error.missing_columns", file=path.name, columns=", ".join(missing)))
        out = []
        for cells in reader:
            if not any(c.strip() for c in cells):
                continue
            if len(cells) > len(header):
                raise FiguresError(
                    both(
                        "published.error.cells",
                        file=path.name,
                        row=reader.line_num,
                        count=len(cells),
                        expected=len(header),
                    )
                )
            rec = {c: "" for c in OPTIONAL} | {
                c: (cells[i].strip() if i < len(cells) else "")
                for i, c in enumerate(header)
                if c in COLUMNS or c in OPTIONAL
            }
            out.append(rec | {"file": path.name, "row": reader.line_num})
    return out


def _validate(records: list[dict]) -> None:
    """Raise `FiguresError` for the first malformed row: cell formats first, then references between rows."""

    def fail(key: str, rec: dict, column: str = "", value: str = "", **fields) -> None:
        raise FiguresError(
            both(f"published.error.{key}", file=rec["file"], row=rec["row"], column=column, value=value, **fields)
        )

    seen: dict[str, dict] = {}
    for rec in records:
        fid, check = rec["figure_id"], rec["check"]
        if not fid:
            fail("empty_id", rec)
        if fid in seen:
            fail("duplicate", rec, "figure_id", fid, first=f"{seen[fid]['file']}:{seen[fid]['row']}")
        seen[fid] = rec
        if check not in CHECKS:
            fail("check", rec, "check", check)
        if rec["value"] and not _WHOLE.fullmatch(rec["value"]):
            fail("value", rec, "value", rec["value"])
        if rec["stated_pct"] and not _PCT.fullmatch(rec["stated_pct"]):
            fail("stated_pct", rec, "stated_pct", rec["stated_pct"])
        if check in ("share", "change", "attainment") and not rec["stated_pct"]:
            fail("needs_pct", rec, "stated_pct", check)
        if check == "total" and not rec["parts"]:
            fail("needs_parts", rec, "parts")
    for rec in records:
        parts = [p.strip() for p in rec["parts"].split("+")] if rec["parts"] else []
        for column, ref in [("base_id", rec["base_id"])] * bool(rec["base_id"]) + [("parts", p) for p in parts]:
            if ref not in seen:
                fail("unknown_ref", rec, column, ref)
        if rec["check"] == "total":
            unknown = (not rec["value"]) + sum(not seen[p]["value"] for p in parts)
            if unknown > 1:
                fail("needs_numbers", rec, "parts", rec["parts"])
        elif rec["check"] != "none" and not rec["value"] and not (rec["base_id"] and seen[rec["base_id"]]["value"]):
            fail("needs_numbers", rec, "value", rec["value"])


# --- checking -----------------------------------------------------------------------------------------


# Explanations are built once and rendered in each language: numbers, text keys and composite text.
@dataclass(frozen=True)
class _Num:
    x: float
    decimals: int | None = None  # None: Babel's default pattern
    sign: bool = False


@dataclass(frozen=True)
class _Key:
    key: str


@dataclass(frozen=True)
class _Text:
    pieces: tuple


def _join(values: list[float], sep: str) -> _Text:
    return _Text(tuple(p for i, v in enumerate(values) for p in ((sep,) if i else ()) + (_Num(v),)))


def parse_pct(text: str) -> float:
    """A percentage written in Vietnamese format ("1.234,5", "+98", "-17,47") as a float."""
    return float(text.replace(".", "").replace(",", "."))


def tolerance(text: str) -> float:
    """Half a unit of the last stated decimal: "37,66" → 0.005, "98" → 0.5, "2,2" → 0.05."""
    return 0.5 * 10.0 ** -_decimals(text)


def _decimals(text: str) -> int:
    return len(text.split(",")[1]) if "," in text else 0


def _fits_qualifier(qualifier: str, recomputed: float, stated: float, tol: float) -> bool:
    """Whether a qualified figure is within the qualifier's sense.

    ``hơn``/``trên``/``ít nhất``: at least the stated value; ``dưới``/``không quá``: at most; ``khoảng``/``gần``:
    within 10 % of it; ``từ … đến X``: between stated and X. All allow the rounding tolerance; others are exact.
    """
    q = qualifier.lower()
    if q.startswith("từ") and (upper := re.search(r"đến\s*([\d.,]*\d)", q)):
        return stated - tol - EPS <= recomputed <= parse_pct(upper[1]) + tol + EPS
    if q in _ABOUT:
        return abs(recomputed - stated) <= max(tol, 0.1 * abs(stated)) + EPS
    if q in _AT_LEAST:
        return recomputed >= stated - tol - EPS
    if q in _AT_MOST:
        return recomputed <= stated + tol + EPS
    return abs(recomputed - stated) <= tol + EPS


def _integers(lo: float, hi: float, fits: Callable[[int], bool], minimum: int) -> list[int]:
    """Integers in [lo, hi] (widened by one for float noise, at most a million) that satisfy ``fits``."""
    start = max(minimum, math.floor(lo) - 1)
    stop = min(math.ceil(hi) + 1, start + 1_000_000)
    return [k for k in range(start, stop + 1) if fits(k)]


def _range_text(values: list[int]) -> str:
    return "" if not values else str(values[0]) if len(values) == 1 else f"{values[0]}–{values[-1]}"


def _range_num(values: list[int]) -> _Text:
    return _join(values[:1] if len(values) == 1 else [values[0], values[-1]], "–")


def check_figures(figures: pd.DataFrame) -> pd.DataFrame:
    """Recompute every figure whose ``check`` is not ``none`` and give a verdict with explanations.

    share = value/base·100, change = (value/previous − 1)·100, attainment = value/plan·100: consistent when
    |recomputed − stated| ≤ tolerance + 1e-9. When the count, previous value or plan is not stated, the integers
    that round to the stated percentage are listed (verdict ``implied``); none fitting is a ``mismatch``. A
    mismatch lists the denominators that would fit. total = sum of parts, exactly; one missing part (or the
    total) is implied by subtraction. Qualified figures (``hơn``, ``khoảng`` …) only need to be in the
    qualifier's sense and no integer is inferred for them.
    """
    values = dict(zip(figures["figure_id"], figures["value"]))
    rows = []
    for rec in figures.to_dict("records"):
        if rec["check"] == "none":
            continue
        found = _check_total(rec, values) if rec["check"] == "total" else _check_ratio(rec, values)
        explain = found.pop("explain")
        rows.append(
            {k: rec[k] for k in ("figure_id", "place", "period", "indicator")}
            | {"rule": rec["check"]}
            | found
            | {f"explanation_{lang}": _render(explain, lang) for lang in ("vi", "en")}
        )
    return pd.DataFrame(rows, columns=list(RESULT_COLUMNS))


def _check_ratio(rec: dict, values: dict) -> dict:
    rule, qualifier, text = rec["check"], rec["qualifier"], rec["stated_pct"]
    stated, tol, dec = parse_pct(text), tolerance(text), _decimals(text)
    offset = 100.0 if rule == "change" else 0.0
    num, den = rec["value"], values.get(rec["base_id"], math.nan)

    lo, hi = (stated - tol + offset) / 100, (stated + tol + offset) / 100  # bounds of the ratio n/d

    def pct(n: float, d: float) -> float:
        return n / d * 100 - offset if d else math.nan

    def fits(p: float) -> bool:
        return abs(p - stated) <= tol + EPS

    def dens(n: float) -> list[int]:  # denominators (base, previous, plan) that fit numerator n
        top = n / lo if lo > 0 else 10 * max(n, 1)
        return _integers(n / hi, top, lambda d: fits(pct(n, d)), 1) if hi > 0 else []

    def nums(d: float) -> list[int]:  # numerators (counts) that fit denominator d
        return _integers(lo * d, hi * d, lambda n: fits(pct(n, d)), 0)

    def formula(n: float, d: float) -> _Text:
        return _Text((_Num(n), "/", _Num(d)) + ((" − 1",) if rule == "change" else ()))

    fields = {
        "stated": _Num(stated, dec, rule == "change"),
        "tol": _Num(tol),
        "qualifier": qualifier,
        "name": _Key(f"published.name.{rule}"),
    }
    out = {"stated": stated, "recomputed": math.nan, "tolerance": tol, "implied": ""}
    if not math.isnan(num) and not math.isnan(den):
        rec_pct = pct(num, den)
        out["recomputed"] = rec_pct
        fields |= {"formula": formula(num, den), "pct": _Num(rec_pct, dec, rule == "change")}
        if qualifier:
            ok = _fits_qualifier(qualifier, rec_pct, stated, tol)
            return out | {
                "verdict": "consistent" if ok else "mismatch",
                "explain": [("qualified_ok" if ok else "qualified_bad", fields)],
            }
        if fits(rec_pct):
            return out | {"verdict": "consistent", "explain": [("ok", fields)]}
        good_dens, good_nums = dens(num), nums(den)
        explain = [("mismatch", fields | {"diff": _Num(abs(rec_pct - stated), dec)})]
        if good_dens:
            explain.append(("hint_den", fields | {"range": _range_num(good_dens), "num": _Num(num)}))
        if good_nums:
            explain.append(("hint_num", fields | {"range": _range_num(good_nums), "den": _Num(den)}))
        if not good_dens and not good_nums:
            explain.append(("hint_none", fields))
        return out | {"verdict": "mismatch", "implied": _range_text(good_dens), "explain": explain}
    if qualifier:
        return out | {"verdict": "implied", "explain": [("qualified_missing", fields)]}
    count_missing = math.isnan(num)
    found = nums(den) if count_missing else dens(num)
    if count_missing:
        fields["name"] = _Key("published.name.count")
    if not found:
        return out | {"verdict": "mismatch", "explain": [("no_integer", fields)]}
    if len(found) == 1:
        out["recomputed"] = pct(found[0], den) if count_missing else pct(num, found[0])
    return out | {
        "verdict": "implied",
        "implied": _range_text(found),
        "explain": [("implied", fields | {"range": _range_num(found)})],
    }


def _check_total(rec: dict, values: dict) -> dict:
    ids = [p.strip() for p in rec["parts"].split("+")]
    known = [values[i] for i in ids if not math.isnan(values[i])]
    missing = [i for i in ids if math.isnan(values[i])]
    total, qualifier, s = rec["value"], rec["qualifier"], sum(known)
    fields = {
        "parts": _join(known, " + "),
        "known": _join(known, " + "),
        "value": _Num(total),
        "qualifier": qualifier,
        "sum": _Num(s),
        "missing": (missing or [""])[0],
    }
    out = {"stated": total, "recomputed": math.nan, "tolerance": 0.0, "implied": ""}
    if math.isnan(total) or missing:  # at most one number is missing (checked on loading): add or subtract
        x = s if math.isnan(total) else total - s
        key = "total_sum" if math.isnan(total) else "total_implied" if x >= 0 else "total_negative"
        return out | {
            "verdict": "mismatch" if x < 0 else "implied",
            "implied": "" if x < 0 else str(round(x)),
            "explain": [(key, fields | {"range": _Num(x)})],
        }
    ok = _fits_qualifier(qualifier, s, total, 0.0) if qualifier else s == total
    key = ("total_qualified" if qualifier else "total") + ("_ok" if ok else "_bad")
    return out | {
        "recomputed": s,
        "verdict": "consistent" if ok else "mismatch",
        "explain": [(key, fields | {"diff": _Num(abs(s - total))})],
    }


# --- reproducing stated percentages from data ------------------------------------------------------------


def round_as_stated(value: float, decimals: int) -> float:
    """``value`` rounded half up to ``decimals`` places, as a document rounds (0,355 → 0,36, not binary 0,35)."""
    return float(Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP))


def reproduced(figures: pd.DataFrame, computed: dict[str, float]) -> pd.DataFrame:
    """Whether percentages computed from data give the stated ones once rounded as the document writes them.

    ``computed`` maps figure_id to a percentage computed from the data. ``computed`` in the result is that value
    rounded half up to the decimals written in ``stated_pct`` (``decimals``); ``verdict`` is ``same`` when it equals
    the stated value, or, for a qualified figure (``trên 10``, ``từ 10 đến 12``, ``dưới 0,5``), when it is in the
    qualifier's sense; ``differs`` otherwise. A figure_id that is not a figure or states no percentage is an error.
    """
    rows = figures.set_index("figure_id")
    out = []
    for figure_id, value in computed.items():
        if figure_id not in rows.index:
            raise FiguresError(both("published.error.not_a_figure", figure=figure_id))
        rec = rows.loc[figure_id]
        if not rec["stated_pct"]:
            raise FiguresError(both("published.error.no_pct", figure=figure_id))
        decimals, stated = _decimals(rec["stated_pct"]), parse_pct(rec["stated_pct"])
        shown = round_as_stated(value, decimals)
        same = _fits_qualifier(rec["qualifier"], shown, stated, 0.0) if rec["qualifier"] else shown == stated
        out.append(
            {
                "figure_id": figure_id,
                "label_vi": rec["label_vi"],
                "stated": stated,
                "computed": shown,
                "verdict": "same" if same else "differs",
                "decimals": decimals,
            }
        )
    return pd.DataFrame(out, columns=list(REPRODUCED_COLUMNS))


# --- output -------------------------------------------------------------------------------------------


def _fmt(x: float, lang: str, decimals: int | None = None, sign: bool = False) -> str:
    """``x`` in Vietnamese (69.190; 37,66) or English (69,190; 37.66) number format."""
    pattern = None if decimals is None else "#,##0" + ("." + "0" * decimals if decimals else "")
    text = format_decimal(x, format=pattern, locale=LOCALES[lang])
    return ("+" + text) if sign and x > 0 else text


def _render(parts: list[tuple[str, dict]], lang: str) -> str:
    """Explanation pieces in ``lang``: numbers formatted, keys looked up, pieces joined with "; "."""

    def show(v: object) -> str:
        if isinstance(v, _Num):
            return _fmt(v.x, lang, v.decimals, v.sign)
        if isinstance(v, _Key):
            return t(v.key, lang)
        if isinstance(v, _Text):
            return "".join(show(p) for p in v.pieces)
        return str(v)

    return "; ".join(
        t(f"published.explain.{key}", lang, **{k: show(v) for k, v in fields.items()}) for key, fields in parts
    )


def format_check(result: pd.DataFrame, lang: str = "vi", only_mismatches: bool = False) -> str:
    """A plain-text table of ``check_figures`` output for the command line, ending with the verdict counts."""

    def number(x: float, r: dict, decimals: int | None = None) -> str:
        return "" if pd.isna(x) else _fmt(float(x), lang, decimals, r["rule"] == "change")

    shown = result[result["verdict"] == "mismatch"] if only_mismatches else result
    head = [
        t(f"published.table.{c}", lang)
        for c in ("figure", "rule", "stated", "recomputed", "verdict", "implied", "explanation")
    ]
    body = [
        [
            r["figure_id"],
            t(f"published.rule.{r['rule']}", lang),
            number(r["stated"], r, round(-math.log10(2 * r["tolerance"])) if r["tolerance"] > 0 else 0),
            number(r["recomputed"], r),
            t(f"published.verdict.{r['verdict']}", lang),
            r["implied"],
            r[f"explanation_{lang}"],
        ]
        for r in shown.to_dict("records")
    ]
    widths = [max(len(str(c)) for c in column) for column in zip(head, *body)]
    lines = [
        "  ".join(str(c).ljust(w) for c, w in zip(line, widths)).rstrip()
        for line in [head, ["-" * w for w in widths], *body]
    ]
    counts = result["verdict"].value_counts()
    summary = {v: int(counts.get(v, 0)) for v in ("consistent", "implied", "mismatch")}
    return "\n".join([*lines, t("published.table.summary", lang, **summary)])
