"""The commands that bring a province's own data in: ``init`` (a new province's folder) and ``import`` (the
sector's Biểu 1 forms, member-database exports, or any layout a mapping file describes)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from helpers.errors import EXIT_OK, ParameterProblem
from helpers.text import both

FORMATS = ("bieu1", "csdl")


def expand_sources(sources: list[Path]) -> list[Path]:
    """Files as given, and every visible file inside a folder given (sorted); a path that does not exist is refused."""
    from helpers.data.readers import SHEET_SUFFIXES, SUFFIXES, TEXT_SUFFIXES

    readable = set(SUFFIXES) | set(SHEET_SUFFIXES) | set(TEXT_SUFFIXES)
    files: list[Path] = []
    for source in sources:
        if not source.exists():
            raise ParameterProblem(both("cli.no_path", path=source))
        if source.is_dir():
            inside = [p for p in sorted(source.rglob("*")) if p.is_file() and not p.name.startswith((".", "~$"))]
            unreadable = [p for p in inside if p.suffix.lower() not in readable]
            if unreadable:
                raise ParameterProblem(both("import.error.unreadable", file=str(unreadable[0]), folder=str(source)))
            files += inside
        else:
            files.append(source)
    if not files:
        raise ParameterProblem(both("import.error.no_files", sources=", ".join(map(str, sources))))
    return files


def _units(args: argparse.Namespace):
    """The units table to match names against: --units, else the output folder's units.csv (from ``init``)."""
    from helpers.data.datasets import load_table

    path = args.units or (args.out / "units.csv")
    return load_table(path, "units") if path.exists() else None


def run_import(sources: list[Path], fmt: str, out: Path, units_path: Path | None = None):
    """Import ``sources`` in ``fmt`` (bieu1, csdl or a mapping YAML) and write the dataset into ``out``."""
    from helpers.data.importers import adopt_province, write_dataset
    from helpers.data.importers.bieu1 import import_bieu1, is_bieu1_mapping
    from helpers.data.pseudonym import folder_salt

    files = expand_sources(sources)
    args = argparse.Namespace(units=units_path, out=out)
    units = _units(args)
    if fmt == "bieu1" or (fmt.endswith((".yaml", ".yml")) and is_bieu1_mapping(Path(fmt))):
        # A folder from `init` names only its province: the forms then name the other units themselves.
        only_province = units is not None and len(units) == 1
        mapping = None if fmt == "bieu1" else Path(fmt)
        imported = import_bieu1(files, units=None if only_province else units, mapping=mapping)
        imported = adopt_province(imported, units)
    elif fmt == "csdl":
        from helpers.data.importers.csdl import import_csdl

        imported = import_csdl(files, units=units, salt=folder_salt(out))
    else:
        from helpers.data.importers.mapping import apply_mapping, load_mapping
        from helpers.data.readers import read_sheets

        mapping_path = Path(fmt)
        if not mapping_path.exists():
            raise ParameterProblem(both("import.error.format", value=fmt, formats=", ".join(FORMATS)))
        sheets = [sheet for path in files for sheet in read_sheets(path)]
        imported = apply_mapping(sheets, load_mapping(mapping_path), units, salt=folder_salt(out))
    extra = _terms_if_missing(imported, out)
    if units_path is not None and "units" not in imported.tables and not (out / "units.csv").exists():
        extra["units.csv"] = Path(units_path).read_text(encoding="utf-8")  # the dataset needs its units beside it
    return imported, write_dataset(imported, out, extra)


def _terms_if_missing(imported, out: Path) -> dict[str, str]:
    """A terms.toml for the imported province when neither the folder nor config/terms.toml has its terms, so its
    report can be made at once; the log says so, and the province edits the file to its own congresses."""
    from helpers.data.folders import terms_toml
    from helpers.data.terms import load_terms

    units = imported.tables.get("units")
    if units is None or (out / "terms.toml").exists():
        return {}
    provinces = units.loc[units["level"] == "province", "unit_code"].astype(str).tolist()
    known = set(load_terms().table["province_code"])
    missing = [code for code in provinces if code not in known]
    if len(missing) != 1:
        return {}
    imported.log.notes.append(both("import.terms_written", code=missing[0]))
    return {"terms.toml": terms_toml(missing[0])}


def cmd_import(args: argparse.Namespace) -> int:
    imported, written = run_import(args.sources, args.format, args.out, args.units)
    for line in imported.log.lines(args.lang):
        print(line, file=sys.stderr)
    print(both("import.written", n=len(imported.tables), folder=str(args.out)))
    return EXIT_OK


def cmd_init(args: argparse.Namespace) -> int:
    from helpers.data.folders import init_folder

    made = init_folder(args.folder, args.province, args.name)
    print(both("import.initialised", folder=str(made.folder), n=len(made.files), province=args.province))
    return EXIT_OK


def add_commands(sub) -> None:
    """Register ``init`` and ``import`` on the subparsers of ``python -m helpers``."""
    p = sub.add_parser(
        "init",
        help="create the data folder of a new province",
        description="Create a data folder for a new province: units.csv with the province, its own terms.toml "
        "(taking precedence over config/terms.toml), dataset.toml, XLSX templates with Vietnamese headers and "
        "an instruction sheet, and a README of the four steps (init, import, validate, report).",
    )
    p.add_argument("folder", type=Path, metavar="DIR", help="the new folder (must not exist or be empty)")
    p.add_argument("--province", required=True, help="the province's unit code, e.g. TN")
    p.add_argument("--name", required=True, help='the province party committee\'s name, e.g. "Đảng bộ tỉnh …"')
    p.set_defaults(func=cmd_init)

    p = sub.add_parser(
        "import",
        help="import a province's own files into a data folder",
        description="Read Biểu 1 forms (--format bieu1), member-database exports (--format csdl) or any layout a "
        "mapping file describes (--format MAPPING.yaml; src/helpers/data/mappings/ has the two shipped ones to "
        "copy), as XLSX, XLS, ODS, CSV or TSV in UTF-8, UTF-16 or Windows-1258, and write the canonical tables "
        "with an import log into --out. Personal identifiers are dropped as they are read. Nothing is written "
        "unless the whole import passes its contracts; exit 2 with every problem named otherwise.",
    )
    p.add_argument("sources", nargs="+", type=Path, metavar="SRC", help="files or folders of files")
    p.add_argument("--format", required=True, metavar="bieu1|csdl|MAPPING.yaml", help="the layout of the files")
    p.add_argument("--out", required=True, type=Path, metavar="DIR", help="the data folder to write")
    p.add_argument("--units", type=Path, help="units table to match unit names against (default: DIR/units.csv)")
    p.add_argument("--lang", choices=("vi", "en"), default="vi", help="language of the import log (default vi)")
    p.set_defaults(func=cmd_import)
