"""A new province's data folder: its units, its own congress terms and targets, templates to fill, and a README.

``python -m helpers init DIR --province CODE --name "…"`` calls :func:`init_folder`; nothing inside the repository
needs editing to analyse a province made this way (its ``terms.toml`` takes precedence over ``config/terms.toml``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from helpers.data.codes import DOMAINS, label
from helpers.data.contracts import CONTRACTS
from helpers.data.terms import load_terms
from helpers.errors import ParameterProblem
from helpers.text import both, t

# The congress terms a new province starts with: the four since 2010 (the Tây Ninh project's span and the current
# term). A province edits its copy in terms.toml; congress numbers and dates are left for it to fill in.
DEFAULT_TERMS = ((2010, 2015), (2015, 2020), (2020, 2025), (2025, 2030))
TEMPLATE_TABLES = ("units", "annual_counts", "members", "targets")


@dataclass(frozen=True)
class NewFolder:
    folder: Path
    files: tuple[Path, ...]


def _toml_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def terms_toml(province: str) -> str:
    """A terms.toml for one province: the suite's year-to-term rule and the default terms."""
    terms = load_terms()
    rule = {"code": terms.rule_code, **terms.rules}
    lines = [
        f"# {t('folders.terms_comment', 'vi')}",
        f"# {t('folders.terms_comment', 'en')}",
        "",
        "[rule]",
        f"code = {_toml_string(rule['code'])}",
        f"vi = {_toml_string(rule['vi'])}",
        f"en = {_toml_string(rule['en'])}",
    ]
    for start, end in DEFAULT_TERMS:
        lines += ["", "[[term]]", f"province_code = {_toml_string(province)}", f'label = "{start}-{end}"']
        lines += ['congress_number = ""', f"start_year = {start}", f"end_year = {end}"]
    return "\n".join(lines) + "\n"


def _write_template(path: Path, table: str) -> None:
    """An XLSX with the table's Vietnamese headers on its first sheet and an instruction sheet beside it."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    contract = CONTRACTS[table]
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = t("folders.sheet_data", "vi")
    sheet.append([t(f"columns.{f.name}", "vi") for f in contract.fields])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    guide = workbook.create_sheet(t("folders.sheet_guide", "vi"))
    guide.append(
        [
            t("folders.guide.column", "vi"),
            t("folders.guide.name", "vi"),
            t("folders.guide.kind", "vi"),
            t("folders.guide.required", "vi"),
            t("folders.guide.codes", "vi"),
        ]
    )
    for cell in guide[1]:
        cell.font = Font(bold=True)
    for f in contract.fields:
        codes = ", ".join(f"{c} ({label(f.domain, c, 'vi')})" for c in DOMAINS[f.domain]) if f.domain else ""
        guide.append(
            [
                t(f"columns.{f.name}", "vi"),
                f.name,
                t(f"folders.kind.{f.kind}", "vi"),
                t("folders.yes" if f.required and not f.nullable else "folders.no", "vi"),
                codes,
            ]
        )
    workbook.save(path)


def init_folder(folder: Path, province: str, name: str) -> NewFolder:
    """Create ``folder`` for a new province: units.csv with the province, terms.toml, dataset.toml, templates/
    (XLSX with Vietnamese headers and an instruction sheet) and a README of the four steps."""
    folder = Path(folder)
    if not province.strip() or not name.strip():
        raise ParameterProblem(both("folders.error.empty"))
    if folder.exists() and any(folder.iterdir()):
        raise ParameterProblem(both("folders.error.not_empty", folder=str(folder)))
    (folder / "templates").mkdir(parents=True, exist_ok=True)
    units = "unit_code,name,parent_code,level,valid_from,valid_to,successor_code\n"
    units += f'{province},"{name.replace(chr(34), chr(39))}",,province,{DEFAULT_TERMS[0][0]}-01-01,,\n'
    files = {
        "units.csv": units,
        "terms.toml": terms_toml(province),
        "dataset.toml": f"name = {_toml_string(name)}\nprovince_code = {_toml_string(province)}\nsimulated = false\n",
        "README.md": t("folders.readme", "vi", folder=folder.name, province=province)
        + "\n\n---\n\n"
        + t("folders.readme", "en", folder=folder.name, province=province)
        + "\n",
    }
    written = []
    for file, text in files.items():
        (folder / file).write_text(text, encoding="utf-8")
        written.append(folder / file)
    for table in TEMPLATE_TABLES:
        path = folder / "templates" / f"{table}.xlsx"
        _write_template(path, table)
        written.append(path)
    return NewFolder(folder, tuple(written))
