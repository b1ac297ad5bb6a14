"""Member-database exports (CSDL đảng viên 3.0, "Danh sách đảng viên") into the canonical members table.

The export has title rows, then one row per member under Vietnamese headers; it arrives as XLSX, old XLS, Excel's
"Unicode text" (UTF-16, tab-separated) or a Windows-1258 CSV. The shipped mapping ``mappings/csdl.yaml`` says which
column gives which field and how statuses, reasons and branch names become codes; :func:`import_csdl` reads the
files with :func:`helpers.data.readers.read_sheets` and applies it. Names, identity and card numbers and birth
dates are read only to make each member's salted pseudonym and birth year (:mod:`helpers.data.pseudonym`).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from helpers.data.importers import Imported
from helpers.data.importers.mapping import MAPPINGS_DIR, apply_mapping, load_mapping, read_sources, units_frame
from helpers.text import both

CSDL_MAPPING = MAPPINGS_DIR / "csdl.yaml"


def import_csdl(
    sources: str | Path | Iterable[str | Path],
    units: pd.DataFrame | str | Path | None = None,
    *,
    salt: bytes,
    mapping: str | Path = CSDL_MAPPING,
) -> Imported:
    """Import member-database exports: every sheet of every file that holds the export's header.

    ``units`` is the units table (a frame, or the path of a units file) whose names the "Đảng bộ cơ sở" column is
    matched against; ``salt`` keys the member ids (:func:`helpers.data.pseudonym.folder_salt` of the output
    folder, so a re-import gives every member the same id); ``mapping`` is a changed copy of ``csdl.yaml``.

    Returns
    -------
    Imported
        ``tables["members"]``: the members contract's columns as text, one row per member in the files' order;
        the log names the header row, encoding, identifiers used (counts) and every row set aside or refused.
    """
    loaded = load_mapping(mapping)
    imported = apply_mapping(read_sources(sources), loaded, units_frame(units), salt=salt)
    imported.log.notes.insert(0, both("import.csdl.mapping", file=Path(mapping).name))
    return imported
