"""Small-cell suppression: hand-checked tables, random tables against a linear-programming attacker, synthetic data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import linprog

from helpers.data.codes import ATTRITION_EXITS
from helpers.report.suppression import DEFAULT_THRESHOLD, Suppressed, note, shown_table, suppress
from helpers.synth.province import generate
from helpers.text import t

# --- a reference attacker, written independently of the module ---------------------------------------------------


def published_grid(s: Suppressed) -> tuple[np.ndarray, np.ndarray]:
    """The (r+1)×(c+1) grid a reader sees (cells, row totals, column totals, grand total) and its hidden mask."""
    values = s.counts.to_numpy().astype(float)
    r, c = values.shape
    grid = np.zeros((r + 1, c + 1))
    grid[:r, :c] = values
    grid[:r, c] = values.sum(axis=1)
    grid[r, :c] = values.sum(axis=0)
    grid[r, c] = values.sum()
    mask = np.zeros((r + 1, c + 1), dtype=bool)
    mask[:r, :c] = s.hidden.to_numpy()
    mask[:r, c] = s.row_total_hidden.to_numpy()
    mask[r, :c] = s.column_total_hidden.to_numpy()
    mask[r, c] = s.grand_total_hidden
    return grid, mask


def attack(s: Suppressed) -> dict[tuple[int, int], tuple[float, float]]:
    """Smallest and largest value each hidden entry can take given everything shown (an LP).

    Zeros are always shown and the note says so, so the attacker knows every hidden entry, cell or total, is at
    least 1 (a bound of 0 misses tables such as a row ``1, 1, 25`` whose two hidden cells must add up to 2).
    """
    grid, mask = published_grid(s)
    r, c = grid.shape[0] - 1, grid.shape[1] - 1
    unknowns = [tuple(p) for p in np.argwhere(mask)]
    if not unknowns:
        return {}
    col = {p: k for k, p in enumerate(unknowns)}
    rows, rhs = [], []
    # Each row i: cells minus its total = 0; each column j likewise; totals column and totals row against the corner.
    lines = [[(i, j) for j in range(c + 1)] for i in range(r + 1)] + [
        [(i, j) for i in range(r + 1)] for j in range(c + 1)
    ]
    for line in lines:
        coef, known = np.zeros(len(unknowns)), 0.0
        for k, p in enumerate(line):
            sign = -1.0 if k == len(line) - 1 else 1.0
            if mask[p]:
                coef[col[p]] += sign
            else:
                known += sign * grid[p]
        if coef.any():
            rows.append(coef)
            rhs.append(-known)
    a_eq, b_eq = np.array(rows), np.array(rhs)
    out = {}
    for p, k in col.items():
        objective = np.zeros(len(unknowns))
        objective[k] = 1.0
        low = linprog(objective, A_eq=a_eq, b_eq=b_eq, bounds=(1, None), method="highs")
        high = linprog(-objective, A_eq=a_eq, b_eq=b_eq, bounds=(1, None), method="highs")
        assert low.status == 0, low.message  # the true table is always feasible
        out[p] = (low.fun, np.inf if high.status == 3 else -high.fun)
    return out


def assert_safe(s: Suppressed) -> None:
    """(a) nothing shown is 1..threshold−1; (b) zeros are shown; (c) no hidden entry is pinned within 1, even
    to an attacker who knows every hidden entry is at least 1."""
    grid, mask = published_grid(s)
    shown = grid[~mask]
    assert not ((shown > 0) & (shown < s.threshold)).any(), "a small count is visible"
    assert not (mask & (grid == 0)).any(), "a zero is hidden"
    for p, (low, high) in attack(s).items():
        assert high - low >= 1 - 1e-7, f"hidden entry {p} = {grid[p]:.0f} is pinned to [{low:.3f}, {high:.3f}]"


def frame(rows: list[list[int]], index: str = "abcdefgh", columns: str = "XYZWVUTS") -> pd.DataFrame:
    return pd.DataFrame(rows, index=list(index[: len(rows)]), columns=list(columns[: len(rows[0])]))


# --- hand-made tables ---------------------------------------------------------------------------------------------


def test_one_small_cell_in_a_3x3_hides_a_rectangle() -> None:
    #        X   Y   Z  | total
    #   a   20  15  30  |  65
    #   b   12   3  25  |  40
    #   c   40  18  22  |  80
    #   total 72  36  77 | 185
    # Primary: (b,Y)=3. Row b then has one hidden cell: hide its smallest visible non-zero cell (b,X)=12.
    # Column X now has one hidden cell: its smallest visible is (a,X)=20. Column Y has one: (a,Y)=15 < 18.
    # Rows a and b and columns X and Y now each have two hidden cells: a 2×2 rectangle, no total hidden.
    s = suppress(frame([[20, 15, 30], [12, 3, 25], [40, 18, 22]]))
    expected = frame([[True, True, False], [True, True, False], [False, False, False]])
    pd.testing.assert_frame_equal(s.hidden, expected)
    pd.testing.assert_frame_equal(s.primary, frame([[False] * 3, [False, True, False], [False] * 3]))
    assert not s.row_total_hidden.any() and not s.column_total_hidden.any() and not s.grand_total_hidden
    assert s.n_hidden == (1, 3)
    assert s.threshold == DEFAULT_THRESHOLD
    # The attacker sees (b,Y) anywhere in [1, 14]: row b's hidden cells add up to 15 and (b,X) is at least 1.
    ranges = attack(s)
    assert ranges[(1, 1)] == pytest.approx((1.0, 14.0))
    assert_safe(s)


def test_a_line_with_no_visible_non_zero_cell_hides_its_total() -> None:
    #        X   Y   Z  | total
    #   a    3  15   0  |  18
    #   b   20   0  30  |  50
    #   total 23  15  30 |  68
    # Sweep 1: row a hides (a,Y)=15; column X hides (b,X)=20; column Y has only (a,Y) hidden and no other
    # non-zero cell, so its total 15 is hidden. Sweep 2: row b hides (b,Z)=30; the totals row has only 15 hidden,
    # so its smallest visible non-zero total 23 (X) is hidden; column Z has only (b,Z) hidden and a zero, so its
    # total 30 is hidden. Then every line has 0 or ≥ 2 hidden entries and every hidden entry is on a cycle.
    s = suppress(frame([[3, 15, 0], [20, 0, 30]]))
    pd.testing.assert_frame_equal(s.hidden, frame([[True, True, False], [True, False, True]]))
    assert s.column_total_hidden.tolist() == [True, True, True]
    assert s.row_total_hidden.tolist() == [False, False]
    assert s.grand_total_hidden is False
    assert s.n_hidden == (1, 3)
    assert_safe(s)


def test_a_small_row_total_is_protected_through_the_totals_column() -> None:
    #        X   Y   Z  | total
    #   a    2   3   0  |   5   <- primary, as are 2 and 3
    #   b   20  30  40  |  90
    #   c   25  35  45  | 105
    # With every other total shown, 5 = 200 − 90 − 105, so the totals column hides the next smallest total, 90.
    # Columns X and Y each hold one hidden cell and hide (b,X)=20 and (b,Y)=30.
    s = suppress(frame([[2, 3, 0], [20, 30, 40], [25, 35, 45]]))
    pd.testing.assert_frame_equal(s.hidden, frame([[True, True, False], [True, True, False], [False] * 3]))
    assert s.row_total_hidden.tolist() == [True, True, False]
    assert not s.column_total_hidden.any() and not s.grand_total_hidden
    ranges = attack(s)
    assert ranges[(0, 3)][1] - ranges[(0, 3)][0] >= 1  # the row total 5 itself is not recoverable
    assert_safe(s)


def test_an_entry_between_two_hidden_blocks_is_protected() -> None:
    # Two blocks of small cells joined only by (b,Z)=6: every line has 0 or ≥ 2 hidden cells, yet (b,Z) is
    # pinned (row b minus block {a,b}×{X,Y}, whose sum the columns give). The smallest visible cell joining the
    # two blocks is (a,W)=11, which puts (b,Z) on a cycle b-Z-c-W-a-X-b.
    table = frame([[2, 3, 40, 11], [4, 5, 6, 50], [30, 35, 7, 8], [45, 60, 1, 9]])
    s = suppress(table)
    expected = (table < 10) | (table.index.to_numpy()[:, None] == "a") & (table.columns.to_numpy() == "W")
    pd.testing.assert_frame_equal(s.hidden, expected)
    assert s.n_hidden == (9, 1)
    assert not s.row_total_hidden.any() and not s.column_total_hidden.any()
    assert_safe(s)


def test_hidden_cells_pinned_by_the_bound_one_are_protected() -> None:
    #        X   Y   Z  | total
    #   a    1   1  25  |  27
    #   total 1   1  25 |  27
    # Primary: (a,X)=1, (a,Y)=1 and the column totals 1 and 1. Every line then has 0 or 2 hidden entries and they
    # form the cycle a-X-totals-Y-a, which used to be enough. But the row says (a,X) + (a,Y) = 27 − 25 = 2 and
    # each is at least 1 (zeros are shown), so both are 1. The audit finds (a,X) pinned first; its row's smallest
    # visible non-zero cell is (a,Z)=25 (its column has no other cell), so 25 is hidden. Column Z then has one
    # hidden entry and no other cell, so its total 25 is hidden too. Row total and grand total 27 stay shown:
    # (a,X) can now be anything from 1 to 25.
    before = frame([[True, True, False]])  # what the line rule and loop closing alone hide
    pinned = Suppressed(
        counts=frame([[1, 1, 25]]),
        hidden=before,
        primary=before,
        row_total_hidden=pd.Series([False], index=["a"]),
        column_total_hidden=pd.Series([True, True, False], index=["X", "Y", "Z"]),
        grand_total_hidden=False,
        threshold=DEFAULT_THRESHOLD,
    )
    assert attack(pinned)[(0, 0)] == pytest.approx((1.0, 1.0))  # the attacker does see the pin
    s = suppress(frame([[1, 1, 25]]))
    pd.testing.assert_frame_equal(s.hidden, frame([[True, True, True]]))
    assert s.column_total_hidden.tolist() == [True, True, True]
    assert s.row_total_hidden.tolist() == [False] and s.grand_total_hidden is False
    assert s.n_hidden == (2, 1)
    assert attack(s)[(0, 0)] == pytest.approx((1.0, 25.0))
    assert_safe(s)
    # The same row inside a bigger table: columns X and Y hide (b,X)=30 and (b,Y)=40, a rectangle; the audit again
    # hides (a,Z)=25 (column X has nothing visible), and column Z then hides its smallest visible cell (b,Z)=50.
    s = suppress(frame([[1, 1, 25], [30, 40, 50]]))
    pd.testing.assert_frame_equal(s.hidden, frame([[True, True, True], [True, True, True]]))
    assert not s.row_total_hidden.any() and not s.column_total_hidden.any() and not s.grand_total_hidden
    assert_safe(s)


def test_small_totals_and_grand_total_are_hidden() -> None:
    s = suppress(frame([[2, 3], [4, 0]]))  # every non-zero count is small, grand total 9 too
    pd.testing.assert_frame_equal(s.hidden, frame([[True, True], [True, False]]))
    assert s.row_total_hidden.tolist() == [True, True]
    assert s.column_total_hidden.tolist() == [True, True]
    assert s.grand_total_hidden is True
    assert_safe(s)


def test_zeros_are_shown_and_a_table_without_small_counts_is_untouched() -> None:
    s = suppress(frame([[0, 25], [40, 0]]))
    assert not s.hidden.to_numpy().any() and not s.anything_hidden
    assert s.n_hidden == (0, 0)


def test_the_threshold_is_configurable() -> None:
    table = frame([[20, 15, 30], [12, 3, 25], [40, 18, 22]])
    assert not suppress(table, threshold=3).anything_hidden
    s = suppress(table, threshold=16)  # 15, 12 and 3 are small now
    assert s.primary.to_numpy().sum() == 3
    assert_safe(s)


@pytest.mark.parametrize("bad", [frame([[1, -2], [3, 4]]), frame([[1.5, 2], [3, 4]]), frame([[np.nan, 2], [3, 4]])])
def test_bad_counts_are_refused(bad: pd.DataFrame) -> None:
    with pytest.raises(ValueError):
        suppress(bad)


def test_shown_table_marks_hidden_cells_and_adds_totals() -> None:
    s = suppress(frame([[20, 15, 30], [12, 3, 25], [40, 18, 22]]))
    shown = shown_table(s, lambda v: f"{v:,}".replace(",", "."), "Tổng")
    assert list(shown.index) == ["a", "b", "c", "Tổng"]
    assert list(shown.columns) == ["X", "Y", "Z", "Tổng"]
    assert shown.loc["b"].tolist() == ["x", "x", "25", "40"]
    assert shown.loc["Tổng"].tolist() == ["72", "36", "77", "185"]
    big = shown_table(suppress(frame([[1200, 0], [30, 45]])), lambda v: f"{v:,}".replace(",", "."), "Total")
    assert big.loc["Total", "Total"] == "1.275" and big.loc["a", "Y"] == "0"


# --- the note -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["vi", "en"])
@pytest.mark.parametrize("threshold", [10, 5])
def test_note_states_the_threshold(lang: str, threshold: int) -> None:
    hidden = suppress(frame([[20, 15, 30], [12, 3, 25], [40, 18, 22]]), threshold)
    clean = suppress(frame([[20, 15], [12, 30]]), threshold)
    assert hidden.anything_hidden and not clean.anything_hidden
    for s in (hidden, clean):
        text = note(s, lang)
        assert str(threshold) in text and f"1 {'đến' if lang == 'vi' else 'to'} {threshold - 1}" in text
    assert len(note(clean, lang)) < len(note(hidden, lang))
    assert "0" in note(hidden, lang)  # the zero rule is stated when cells are hidden


def test_note_wording() -> None:
    s = suppress(frame([[20, 15, 30], [12, 3, 25], [40, 18, 22]]))
    assert note(s, "vi") == (
        "Ô có từ 1 đến 9 người (dưới 10) được ẩn, ký hiệu x; một số ô khác cũng được ẩn để "
        "không thể suy ra ô đã ẩn từ tổng hàng, tổng cột, kể cả khi biết ô đó có ít nhất 1 "
        "người. Ô bằng 0 vẫn hiện."
    )
    assert note(s, "en").startswith("Cells of 1 to 9 people (fewer than 10) are hidden, marked x;")
    assert note(suppress(frame([[20, 1]]), threshold=2), "en").startswith("Cells of 1 person (fewer than 2)")
    assert t("suppression.cells_range", "vi", largest="4") == "từ 1 đến 4 người"


# --- random tables --------------------------------------------------------------------------------------------


def random_table(rng: np.random.Generator) -> tuple[pd.DataFrame, int]:
    """A table of 2×2 to 6×8 with a random mix of zeros, small and large counts, and a threshold."""
    r, c = int(rng.integers(2, 7)), int(rng.integers(2, 9))
    p_zero, p_small = rng.uniform(0, 0.3), rng.uniform(0.05, 0.6)
    kind = rng.choice(3, size=(r, c), p=[p_zero, p_small, 1 - p_zero - p_small])
    threshold = int(rng.choice([10, 10, 10, 5, 20]))
    small = rng.integers(1, threshold, size=(r, c))
    large = rng.integers(threshold, 12 * threshold, size=(r, c))
    values = np.where(kind == 0, 0, np.where(kind == 1, small, large))
    return frame(values.tolist()), threshold


RANDOM_SEEDS = range(8)
TABLES_PER_SEED = 40


@pytest.mark.simulation
@pytest.mark.parametrize("seed", RANDOM_SEEDS)
def test_random_tables_are_safe_and_deterministic(seed: int) -> None:
    rng = np.random.default_rng([2024, seed])
    hidden_somewhere = 0
    for _ in range(TABLES_PER_SEED):
        table, threshold = random_table(rng)
        s = suppress(table, threshold)
        assert_safe(s)
        again = suppress(table.copy(), threshold)
        pd.testing.assert_frame_equal(s.hidden, again.hidden)
        pd.testing.assert_series_equal(s.row_total_hidden, again.row_total_hidden)
        pd.testing.assert_series_equal(s.column_total_hidden, again.column_total_hidden)
        assert s.grand_total_hidden == again.grand_total_hidden
        pd.testing.assert_frame_equal(s.counts, table)  # the input is not changed
        hidden_somewhere += s.n_hidden[1] > 0
    assert hidden_somewhere >= TABLES_PER_SEED // 2  # the check is not vacuous: secondary cells are common


# --- synthetic provinces ------------------------------------------------------------------------------------------

SYNTH_SEEDS = (11, 22, 33)
TERMS = ["2011–2015", "2016–2020", "2021–2025"]


@pytest.fixture(scope="module")
def leaver_tables() -> dict[str, pd.DataFrame]:
    """Branch type × kind of exit and occupation × term of exit, province-wide and per unit, for three seeds."""
    tables = {}
    for seed in SYNTH_SEEDS:
        members = generate(seed).tables["members"]
        leavers = members[members["exit_kind"].isin(ATTRITION_EXITS)]
        term = pd.cut(leavers["exit_date"].dt.year, [2010, 2015, 2020, 2025], labels=TERMS)
        tables[f"{seed}/branch×kind"] = pd.crosstab(leavers["branch_type"], leavers["exit_kind"])
        tables[f"{seed}/occupation×term"] = pd.crosstab(leavers["occupation"], term)
        for unit, group in leavers.groupby("unit_code"):
            tables[f"{seed}/{unit}/occupation×term"] = pd.crosstab(group["occupation"], term.loc[group.index])
    return tables


def test_synthetic_cross_tables_are_safe(leaver_tables: dict[str, pd.DataFrame]) -> None:
    assert len(leaver_tables) >= 6
    with_small = 0
    for name, table in leaver_tables.items():
        assert table.to_numpy().sum() > 0, name
        s = suppress(table)
        with_small += s.anything_hidden
        assert_safe(s)
    assert with_small >= 3  # the synthetic province does have small groups of leavers
