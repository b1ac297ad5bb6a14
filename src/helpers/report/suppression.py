"""Small-cell suppression for published cross-tables, so that no count in a report can point at a person.

A table is published with its row totals, column totals and grand total. Think of it as an augmented
(r+1)×(c+1) grid: body cells, a totals column, a totals row and the grand total in the corner. Every line of
that grid (a row or a column, totals row and column included) is an equation "body entries add up to the
line's last entry". A hidden entry can be worked out exactly if and only if it is not on a cycle of hidden
entries (rows and columns as nodes of a bipartite graph, hidden entries as edges). Primary suppression hides
counts from 1 to ``threshold − 1``; secondary suppression hides more entries until every hidden entry lies on
such a cycle. That is enough against a reader who only knows the counts are non-negative, but zeros are never
hidden (and the note says so), so a reader knows every hidden entry is at least 1: in a row ``1, 1, 25`` with the
25 and the total 27 shown, the two hidden cells add up to 2 and so are both 1, cycle or not. A last step therefore
audits the result with linear programming: each hidden entry's smallest and largest value over all tables that
agree with what is shown, with every hidden entry at least 1, must be at least 1 apart; while one is not, one more
entry next to it is hidden.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import linprog

from helpers.report.formatting import number
from helpers.text import t

# Ten is a minimum cell size many statistics offices use for counts of people: below it, a group of leavers in
# one branch or commune is small enough for neighbours to guess who they are. Callers may ask for more.
DEFAULT_THRESHOLD = 10

HIDDEN_MARK = "x"


@dataclass(frozen=True)
class Suppressed:
    """A count table and which of its cells and totals are hidden; ``primary`` marks cells hidden for being small."""

    counts: pd.DataFrame
    hidden: pd.DataFrame
    primary: pd.DataFrame
    row_total_hidden: pd.Series
    column_total_hidden: pd.Series
    grand_total_hidden: bool
    threshold: int

    @property
    def n_hidden(self) -> tuple[int, int]:
        """Body cells hidden as (primary, secondary); hidden totals are in the ``*_total_hidden`` fields."""
        primary = int(self.primary.to_numpy().sum())
        return primary, int(self.hidden.to_numpy().sum()) - primary

    @property
    def anything_hidden(self) -> bool:
        """Whether any cell or total is hidden (the note then explains the x marks)."""
        return bool(
            self.hidden.to_numpy().any()
            or self.row_total_hidden.any()
            or self.column_total_hidden.any()
            or self.grand_total_hidden
        )


def suppress(table: pd.DataFrame, threshold: int = DEFAULT_THRESHOLD) -> Suppressed:
    """Hide counts from 1 to ``threshold − 1`` and enough other cells or totals that none can be recovered.

    ``table`` holds non-negative whole counts; its row, column and grand totals are taken to be published too.
    """
    if isinstance(threshold, bool) or not isinstance(threshold, (int, np.integer)) or threshold < 1:
        raise ValueError(f"threshold must be a whole number ≥ 1, not {threshold!r}")
    values = _validated_counts(table)
    r, c = values.shape
    grid = np.zeros((r + 1, c + 1), dtype=np.int64)
    grid[:r, :c] = values
    grid[:r, c] = values.sum(axis=1)
    grid[r, :c] = values.sum(axis=0)
    grid[r, c] = values.sum()
    primary = (grid > 0) & (grid < threshold)
    hidden = _audited(grid, _secondary(grid, primary.copy()))
    return Suppressed(
        counts=pd.DataFrame(values, index=table.index, columns=table.columns),
        hidden=pd.DataFrame(hidden[:r, :c], index=table.index, columns=table.columns),
        primary=pd.DataFrame(primary[:r, :c], index=table.index, columns=table.columns),
        row_total_hidden=pd.Series(hidden[:r, c], index=table.index, dtype=bool),
        column_total_hidden=pd.Series(hidden[r, :c], index=table.columns, dtype=bool),
        grand_total_hidden=bool(hidden[r, c]),
        threshold=int(threshold),
    )


def _validated_counts(table: pd.DataFrame) -> np.ndarray:
    """The table as an int64 array; anything that is not a non-negative whole number is an error."""
    try:
        raw = table.to_numpy(dtype=float)
    except (TypeError, ValueError):
        raise ValueError("the table must hold numbers only") from None
    if np.isnan(raw).any():
        raise ValueError("the table has missing counts")
    if (raw < 0).any() or (raw != np.round(raw)).any():
        raise ValueError("the table must hold non-negative whole counts")
    return raw.astype(np.int64)


# --- secondary suppression --------------------------------------------------------------------------------------


def _secondary(grid: np.ndarray, hidden: np.ndarray) -> np.ndarray:
    """Hide more entries of the augmented grid until every hidden entry lies on a cycle of hidden entries."""
    while True:
        _fix_single_unknowns(grid, hidden)
        bridge = _first_bridge(hidden)
        if bridge is None:
            return hidden
        _close_cycle(grid, hidden, bridge)


def _lines(shape: tuple[int, int]) -> list[list[tuple[int, int]]]:
    """Every row then every column of the augmented grid, each as positions with its total last."""
    n_rows, n_cols = shape
    rows = [[(i, j) for j in range(n_cols)] for i in range(n_rows)]
    cols = [[(i, j) for i in range(n_rows)] for j in range(n_cols)]
    return rows + cols


def _fix_single_unknowns(grid: np.ndarray, hidden: np.ndarray) -> None:
    """While a line has exactly one hidden entry, hide its smallest non-zero visible body entry, else its total."""
    lines = _lines(grid.shape)
    changed = True
    while changed:
        changed = False
        for line in lines:
            if sum(hidden[p] for p in line) != 1:
                continue
            body = [p for p in line[:-1] if not hidden[p] and grid[p] > 0]
            # min() keeps the first of equal values, so ties go to the first entry in order.
            target = min(body, key=lambda p: grid[p]) if body else line[-1]
            hidden[target] = True
            changed = True


def _edges(hidden: np.ndarray) -> list[tuple[int, int]]:
    return [tuple(int(v) for v in p) for p in np.argwhere(hidden)]


def _component(hidden: np.ndarray, start: int, skip: tuple[int, int]) -> set[int]:
    """Nodes reachable from ``start`` over hidden entries other than ``skip`` (rows 0..R−1, columns R..R+C−1)."""
    n_rows = hidden.shape[0]
    adjacency: dict[int, list[int]] = {}
    for i, j in _edges(hidden):
        if (i, j) != skip:
            adjacency.setdefault(i, []).append(n_rows + j)
            adjacency.setdefault(n_rows + j, []).append(i)
    seen, todo = {start}, [start]
    while todo:
        for nxt in adjacency.get(todo.pop(), []):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def _first_bridge(hidden: np.ndarray) -> tuple[int, int] | None:
    """The first hidden entry (row-major) on no cycle of hidden entries: one that could be worked out exactly."""
    n_rows = hidden.shape[0]
    for edge in _edges(hidden):
        if n_rows + edge[1] not in _component(hidden, edge[0], skip=edge):
            return edge
    return None


def _close_cycle(grid: np.ndarray, hidden: np.ndarray, bridge: tuple[int, int]) -> None:
    """Hide the fewest, then smallest, non-zero visible entries that join the two sides of ``bridge`` again."""
    n_rows, n_cols = grid.shape
    row_side = _component(hidden, bridge[0], skip=bridge)
    col_side = _component(hidden, n_rows + bridge[1], skip=bridge)

    def neighbours(node: int):
        if node < n_rows:
            return [((node, j), n_rows + j) for j in range(n_cols)]
        return [((i, node - n_rows), i) for i in range(n_rows)]

    # Dijkstra from the column side to the row side; cost = (entries newly hidden, their sum). Hidden entries
    # other than the bridge cost nothing; zeros are never hidden. A path always exists: the bridge's value must
    # flow back across any cut that separates its two ends, and only non-zero entries carry flow.
    best: dict[int, tuple[int, int]] = {node: (0, 0) for node in col_side}
    came_from: dict[int, tuple[int, tuple[int, int]]] = {}
    heap = [(0, 0, node) for node in sorted(col_side)]
    heapq.heapify(heap)
    while heap:
        n_new, total, node = heapq.heappop(heap)
        if (n_new, total) > best[node]:
            continue
        if node in row_side:
            while node in came_from:
                node, entry = came_from[node]
                hidden[entry] = True
            return
        for entry, nxt in neighbours(node):
            if entry == bridge:
                continue
            if hidden[entry]:
                cost = (n_new, total)
            elif grid[entry] > 0:
                cost = (n_new + 1, total + int(grid[entry]))
            else:
                continue
            if nxt not in best or cost < best[nxt]:
                best[nxt] = cost
                came_from[nxt] = (node, entry)
                heapq.heappush(heap, (*cost, nxt))
    raise AssertionError(f"no way to protect hidden entry {bridge}; the table's totals are inconsistent")


# --- audit: no hidden entry pinned by the totals and the bound "at least 1" ------------------------------------

# Ranges are compared with this slack: the solver's answers are exact only up to rounding.
_TOLERANCE = 1e-7


def _audited(grid: np.ndarray, hidden: np.ndarray) -> np.ndarray:
    """Hide more entries until no hidden entry is pinned to a range narrower than 1 (see ``_first_pinned``).

    Each round hides one entry and re-runs the line rule and loop closing, so it ends: at worst every non-zero
    entry is hidden, and then nothing is pinned (scaling the true table up by any factor fits what is shown).
    """
    while hidden.any():
        pinned = _first_pinned(grid, hidden)
        if pinned is None:
            break
        hidden[_protector(grid, hidden, pinned)] = True
        hidden = _secondary(grid, hidden)
    return hidden


def _first_pinned(grid: np.ndarray, hidden: np.ndarray) -> tuple[int, int] | None:
    """A hidden entry whose smallest and largest possible values differ by less than 1, or None if there is none.

    Groups (below) are taken in order of their first entry and entries row-major within a group; the first pinned
    one found is returned, so the answer is deterministic and later groups are not solved once one is found.

    The reader's problem is a linear programme: unknowns are the hidden entries, each at least 1; every line of
    the augmented grid says its body entries add up to its total. Each line's equation involves only the hidden
    entries on it, so the hidden entries split into independent groups (connected components of the graph whose
    nodes are lines and whose edges are hidden entries), and each group is solved on its own. Its matrix is
    totally unimodular (flip the signs of the totals row's and totals column's equations), so the bounds are whole
    numbers: "less than 1 apart" means pinned exactly.

    Cost: up to two small LPs (HiGHS) per hidden entry, a few milliseconds each for report tables (about 12×10, so
    up to some 130 unknowns). Most are skipped: every solution found is kept, and an entry that already takes values
    at least 1 apart in two kept solutions (the true table is the first) needs no LP. Measured on random 12×10
    tables with 10–80 % small cells: 2–10 LPs and 5–45 ms per table for the whole of ``suppress``. ``_audited``
    repeats this after each extra hidden entry, which is rare (9 of the 320 random tables in the tests).
    """
    n_rows, n_cols = grid.shape
    entries = _edges(hidden)
    for group in _groups(entries, n_rows):
        index = {p: k for k, p in enumerate(group)}
        nodes = sorted({p[0] for p in group} | {n_rows + p[1] for p in group})
        a_eq = np.zeros((len(nodes), len(group)))
        b_eq = np.zeros(len(nodes))
        for row, node in enumerate(nodes):
            line = [(node, j) for j in range(n_cols)] if node < n_rows else [(i, node - n_rows) for i in range(n_rows)]
            for k, p in enumerate(line):
                sign = -1.0 if k == len(line) - 1 else 1.0
                if hidden[p]:
                    a_eq[row, index[p]] = sign
                else:
                    b_eq[row] -= sign * grid[p]
        low = np.array([float(grid[p]) for p in group])  # smallest and largest value seen so far, per entry
        high = low.copy()
        for k, p in enumerate(group):
            for direction in (-1.0, 1.0):  # maximise first: one LP is often enough
                if high[k] - low[k] >= 1 - _TOLERANCE:
                    break
                objective = np.zeros(len(group))
                objective[k] = direction
                result = linprog(objective, A_eq=a_eq, b_eq=b_eq, bounds=(1, None), method="highs")
                if result.status == 3:  # unbounded above: the entry is free
                    high[k] = np.inf
                elif result.status == 0:
                    low, high = np.minimum(low, result.x), np.maximum(high, result.x)
                else:
                    raise AssertionError(f"audit LP failed for hidden entry {p}: {result.message}")
        pinned = [p for k, p in enumerate(group) if high[k] - low[k] < 1 - _TOLERANCE]
        if pinned:
            return pinned[0]
    return None


def _groups(entries: list[tuple[int, int]], n_rows: int) -> list[list[tuple[int, int]]]:
    """Hidden entries split into connected components (lines as nodes), in order of each group's first entry."""
    parent: dict[int, int] = {}

    def root(node: int) -> int:
        parent.setdefault(node, node)
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for i, j in entries:
        parent[root(i)] = root(n_rows + j)
    groups: dict[int, list[tuple[int, int]]] = {}
    for p in entries:  # row-major, so groups and their entries come out in row-major order
        groups.setdefault(root(p[0]), []).append(p)
    return list(groups.values())


def _protector(grid: np.ndarray, hidden: np.ndarray, pinned: tuple[int, int]) -> tuple[int, int]:
    """The entry to hide for a pinned one: the smallest visible non-zero body entry of its row or column.

    Candidates are the row's body entries, then the column's; ties go to the first. If there is none, the row's
    total, else the column's; if that is hidden too, the smallest visible non-zero entry anywhere (row-major).
    """
    n_rows, n_cols = grid.shape
    i, j = pinned
    row = [(i, k) for k in range(n_cols)]
    col = [(k, j) for k in range(n_rows)]

    def visible(positions: list[tuple[int, int]]) -> list[tuple[int, int]]:
        return [p for p in positions if not hidden[p] and grid[p] > 0]

    body = visible(row[:-1] + col[:-1])
    if body:
        return min(body, key=lambda p: grid[p])
    totals = visible([row[-1], col[-1]])
    if totals:
        return totals[0]
    anywhere = visible(_edges(~hidden))
    # Something is visible and non-zero: if every non-zero entry were hidden, nothing could be pinned.
    return min(anywhere, key=lambda p: grid[p])


# --- presentation -----------------------------------------------------------------------------------------------


def shown_table(s: Suppressed, number_format: Callable[[int], str], total_label: str) -> pd.DataFrame:
    """The table as published: formatted counts with a totals row and column, ``x`` where a count is hidden."""
    values = s.counts.to_numpy()
    r, c = values.shape
    grid = np.empty((r + 1, c + 1), dtype=object)
    mask = np.zeros((r + 1, c + 1), dtype=bool)
    grid[:r, :c], mask[:r, :c] = values, s.hidden.to_numpy()
    grid[:r, c], mask[:r, c] = values.sum(axis=1), s.row_total_hidden.to_numpy()
    grid[r, :c], mask[r, :c] = values.sum(axis=0), s.column_total_hidden.to_numpy()
    grid[r, c], mask[r, c] = values.sum(), s.grand_total_hidden
    text = [[HIDDEN_MARK if mask[i, j] else number_format(int(grid[i, j])) for j in range(c + 1)] for i in range(r + 1)]
    index = pd.Index([*s.counts.index, total_label], name=s.counts.index.name)
    columns = pd.Index([*s.counts.columns, total_label], name=s.counts.columns.name)
    return pd.DataFrame(text, index=index, columns=columns, dtype=object)


def note(s: Suppressed, lang: str = "vi") -> str:
    """The suppression rule as a sentence to print under the table, in Vietnamese or English."""
    fields = {"threshold": number(s.threshold, lang), "largest": number(s.threshold - 1, lang)}
    if s.threshold <= 1:
        return t("suppression.no_rule", lang)
    cells = t("suppression.cells_one" if s.threshold == 2 else "suppression.cells_range", lang, **fields)
    key = "suppression.note" if s.anything_hidden else "suppression.note_none_hidden"
    return t(key, lang, cells=cells, **fields)
