"""Print how far our joinpoint fits are from R's (glm and segmented) on the committed reference series.

    .venv/bin/python tests/reference/joinpoints_table.py

The same comparisons are asserted at 1e-4 in tests/test_joinpoints.py; this prints the largest differences as a
Markdown table, for a closing note or a review.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from helpers.analyses import joinpoints as jp

REFERENCE = Path(__file__).with_name("joinpoints_segmented.json")


def main() -> None:
    data = json.loads(REFERENCE.read_text())
    print(
        "| series | joinpoints: grid / segmented ψ | slope | slope SE | APC (%) | AAPC slope | AAPC SE "
        "| at ψ: slopes, SEs, AAPC |\n|---|---|---:|---:|---:|---:|---:|---:|"
    )
    for ref in data["series"]:
        values = (np.atleast_1d(np.asarray(ref[k], float)) for k in ("time", "counts", "exposure"))
        series = jp.Series(ref["name"], *values, 0.5 if ref["name"] == "half_years" else 1.0)
        grid, seg = ref["grid"], ref["segmented"]
        places = jp.grid_search(series, ref["joinpoints"])
        fit = jp.fit_joinpoints(series, places, estimated=False)
        rows, root = fit.segments(), np.sqrt(fit.scale)
        slopes = np.array([s["slope"] for s in grid["slopes"]])
        ses = np.array([s["se"] for s in grid["slopes"]])
        aapc = fit.aapc()
        psi = np.atleast_1d(seg["psi"])
        free = jp.fit_joinpoints(series, psi)
        free_rows, free_root, free_aapc = free.segments(location=True), np.sqrt(free.scale), free.aapc(location=True)
        at_psi = max(
            np.max(np.abs(free_rows["slope"] - [s["slope"] for s in seg["slopes"]])),
            np.max(np.abs(free_rows["se"] / free_root - [s["se"] for s in seg["slopes"]])),
            abs(free_aapc["slope"] - seg["aapc"]["slope"]),
            abs(free_aapc["se"] / free_root - seg["aapc"]["se"]),
        )
        cells = [
            np.max(np.abs(rows["slope"] - slopes)),
            np.max(np.abs(rows["se"] / root - ses)),
            np.max(np.abs(rows["apc"] - 100 * np.expm1(slopes))),
            abs(aapc["slope"] - grid["aapc_all"]["slope"]),
            abs(aapc["se"] / root - grid["aapc_all"]["se"]),
            at_psi,
        ]
        where = f"{', '.join(jp.time_label(p) for p in places)} / {', '.join(f'{p:.4f}' for p in psi)}"
        print(f"| {ref['name']} | {where} | " + " | ".join(f"{c:.1e}" for c in cells) + " |")


if __name__ == "__main__":
    main()
