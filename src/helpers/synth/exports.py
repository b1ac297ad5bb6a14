"""The default province written as a member-database export (CSDL đảng viên 3.0, "Danh sách đảng viên").

:func:`write_csdl_export` writes a dataset's members the way the export arrives: title rows, then one row per
member under Vietnamese headers, with FAKE names (drawn from syllable lists), fake 12-digit identity numbers and
8-digit party card numbers (leading zeros), dd/mm/yyyy dates (Excel dates for the admission date in workbooks),
some names and branch names in decomposed Unicode with stray spaces, a blank line and a footer; as XLSX, old XLS,
Excel's "Unicode text" (UTF-16, tab-separated) or a Windows-1258 CSV. Branch names carry the branch type ("Chi bộ
ấp …", "Chi bộ trường …") and leavers' reasons name their cause group, so the shipped mapping recovers every
analysed column. Nothing here is a real person.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from helpers.data.codes import label
from helpers.data.contracts import header_key
from helpers.synth import truth

FORMATS = ("xlsx", "xls", "utf16", "cp1258")
SUFFIXES = {"xlsx": ".xlsx", "xls": ".xls", "utf16": ".txt", "cp1258": ".csv"}
XLS_MAX_RECORDS = 60_000  # an XLS sheet holds 65 536 rows: longer exports continue on further sheets

HEADERS = (
    "STT",
    "Họ và tên",
    "Giới tính",
    "Ngày sinh",
    "Dân tộc",
    "Tôn giáo",
    "Số định danh cá nhân",
    "Số thẻ đảng viên",
    "Ngày vào Đảng",
    "Ngày vào Đảng chính thức",
    "Ngày chuyển đến",
    "Tổ chức Đảng đang sinh hoạt",
    "Đảng bộ cơ sở",
    "Nghề nghiệp",
    "Trình độ chuyên môn",
    "Lý luận chính trị",
    "Trạng thái",
    "Ngày rời khỏi / Ngày mất",
    "Lý do",
)
TITLE = "DANH SÁCH ĐẢNG VIÊN"
EXPORTED_ON = "Ngày xuất: {date}"
FOOTER = ("Tổng số: {n} đảng viên", "Người lập biểu")
NOTE_SHEET = ("Ghi chú", ("Danh sách xuất từ Cơ sở dữ liệu đảng viên 3.0", "Không sửa cấu trúc tệp khi gửi lại"))

SURNAMES = {
    "Nguyễn": 38,
    "Trần": 11,
    "Lê": 9,
    "Phạm": 7,
    "Võ": 5,
    "Huỳnh": 5,
    "Hoàng": 4,
    "Phan": 4,
    "Vũ": 3,
    "Đặng": 2,
    "Bùi": 2,
    "Đỗ": 2,
    "Hồ": 2,
    "Ngô": 2,
    "Dương": 1,
    "Lý": 1,
    "Trương": 1,
    "Đoàn": 1,
    "Lâm": 1,
    "Tô": 1,
}
MIDDLE = {
    "male": ("Văn", "Văn", "Văn", "Hữu", "Minh", "Đức", "Quốc", "Thanh", "Công", "Ngọc", "Hoàng", "Trung"),
    "female": ("Thị", "Thị", "Thị", "Ngọc", "Thanh", "Kim", "Thu", "Bích", "Mỹ", "Hồng", "Phương", "Thúy"),
}
GIVEN = {  # given names, one syllable each
    "male": tuple(
        "An Bình Cường Dũng Duy Hải Hiếu Hòa Hùng Huy Khang Khoa Lâm Long Lộc Minh Nam Nghĩa Nhân Phong Phúc"
        " Quang Sơn Tài Tâm Thắng Thành Thiện Tín Toàn Trí Trung Tuấn Vinh Vũ Đạt Định Khải Lực Thịnh".split()
    ),
    "female": tuple(
        "Anh Châu Diễm Dung Duyên Giang Hà Hạnh Hằng Hiền Hoa Hương Huyền Lan Liên Linh Loan Mai My Nga Ngân"
        " Nhung Oanh Phượng Quyên Thảo Thu Thủy Trang Trinh Tuyết Uyên Vân Vy Yến Ánh Điệp Lụa Nhàn Xuân".split()
    ),
}
PLACES = tuple(
    "Tân Hòa, Bình Thạnh, Phước Lộc, An Thới, Long Khánh, Hòa Hiệp, Thạnh Đức, Lộc Ninh, "
    "Phú Mỹ, Tân Phong, Bàu Sen, Cầu Khởi, Suối Đá, Thanh Điền, Hiệp Thạnh, Ninh Sơn, Long Vĩnh, Gò Dầu".split(", ")
)
BRANCH_KINDS = {  # the words that give a branch's type away, as real branch names carry them
    "agency": ("Cơ quan Ủy ban nhân dân xã", "Cơ quan Mặt trận và các đoàn thể xã", "Văn phòng Huyện ủy"),
    "public_service": ("Trường Tiểu học", "Trường Trung học cơ sở", "Trạm Y tế xã", "Bệnh viện đa khoa"),
    "enterprise": ("Công ty Cổ phần Cao su", "Công ty TNHH", "Hợp tác xã nông nghiệp", "Ngân hàng Nông nghiệp"),
    "armed_forces": ("Quân sự xã", "Công an xã", "Đồn Biên phòng"),
    "other": ("",),
}
SEX = {"male": ("Nam",), "female": ("Nữ",)}
OCCUPATION = {
    "farmer": ("Nông dân", "Làm ruộng"),
    "freelance": ("Lao động tự do", "Làm thuê, lao động tự do"),
    "trader": ("Buôn bán", "Kinh doanh"),
    "homemaker": ("Nội trợ",),
    "demobilised": ("Bộ đội xuất ngũ", "Hoàn thành nghĩa vụ quân sự, công an"),
    "worker": ("Công nhân",),
    "civil_servant": ("Cán bộ, công chức, viên chức", "Viên chức"),
    "armed_forces": ("Lực lượng vũ trang",),
    "student": ("Học sinh, sinh viên", "Sinh viên"),
    "retired": ("Hưu trí", "Nghỉ hưu"),
    "other": ("Khác",),
}
PROFESSIONAL = {
    "none": ("", "Chưa qua đào tạo"),
    "elementary": ("Sơ cấp",),
    "intermediate": ("Trung cấp",),
    "college": ("Cao đẳng",),
    "university": ("Đại học", "Cử nhân", "Kỹ sư"),
    "postgraduate": ("Thạc sĩ", "Tiến sĩ"),
}
POLITICAL = {
    "none": ("", "Chưa qua đào tạo"),
    "elementary": ("Sơ cấp",),
    "intermediate": ("Trung cấp",),
    "advanced": ("Cao cấp", "Cử nhân"),
}
STATUS = {
    "": "Đang sinh hoạt",
    "removed": "Đã xóa tên",
    "asked_to_leave": "Xin ra khỏi Đảng",
    "expelled": "Khai trừ",
    "died": "Từ trần",
    "transferred_out": "Chuyển sinh hoạt đi",
    "other_exit": "Ra khỏi Đảng vì lý do khác",
}
REASONS = {
    "quit_activity": (
        "Tự ý bỏ sinh hoạt đảng 3 tháng liền không có lý do chính đáng",
        "Bỏ sinh hoạt chi bộ nhiều tháng",
    ),
    "unpaid_dues": ("Không đóng đảng phí 3 tháng trong năm không có lý do chính đáng",),
    "lost_contact": ("Mất liên lạc với chi bộ", "Không liên lạc được với chi bộ nơi cư trú"),
    "family_hardship": ("Hoàn cảnh gia đình khó khăn", "Gia đình khó khăn, không có điều kiện tham gia"),
    "spouse_abroad": ("Theo chồng ra nước ngoài định cư", "Theo vợ ra nước ngoài định cư"),
    "health": ("Sức khỏe yếu, ốm đau thường xuyên",),
    "other": ("Lý do cá nhân", "Không nêu lý do"),
}
OTHER_REASONS = {
    "expelled": ("Vi phạm nghiêm trọng Điều lệ Đảng",),
    "died": ("", "Bệnh nặng", "Tuổi cao"),
    "transferred_out": ("Chuyển sinh hoạt đảng chính thức đến tỉnh khác", "Chuyển công tác"),
    "other_exit": ("",),
}
CAUSE = "; nguyên nhân: {cause}"
ETHNICITY = {"Kinh": 92, "Khmer": 4, "Hoa": 2, "Chăm": 1, "Tà Mun": 1}
RELIGION = {"Không": 80, "Phật giáo": 10, "Cao Đài": 7, "Công giáo": 3}
PROVINCE_PREFIXES = (72, 72, 72, 72, 70, 79, 80)  # identity numbers begin with the province of birth


@dataclass(frozen=True)
class CsdlExport:
    """A written export and its key, kept for tests: for each member of the dataset (``member_id``), the sheet and
    file row it is on and the fake personal values written for them (``name``, ``identity_number``,
    ``card_number``, ``birth_date``)."""

    path: Path
    fmt: str
    people: pd.DataFrame


def _pick(rng: np.random.Generator, options: dict | tuple, n: int) -> np.ndarray:
    if isinstance(options, dict):
        keys = list(options)
        weights = np.array([options[k] for k in keys], dtype=float)
        return np.array(keys, dtype=object)[rng.choice(len(keys), n, p=weights / weights.sum())]
    return np.array(options, dtype=object)[rng.integers(0, len(options), n)]


def _labels(rng: np.random.Generator, codes: pd.Series, table: dict[str, tuple[str, ...]]) -> list[str]:
    draws = rng.random(len(codes))
    return ["" if pd.isna(code) else table[code][int(u * len(table[code]))] for code, u in zip(codes.tolist(), draws)]


def _dmy(value: object) -> str:
    return "" if pd.isna(value) else pd.Timestamp(value).strftime("%d/%m/%Y")


def _messy(text: str, variant: float) -> str:
    """Decomposed Unicode (NFD) with stray spaces, as some exports write a name."""
    if not text:
        return text
    nfd = unicodedata.normalize("NFD", text)
    return (" " + nfd.replace(" ", "  ", 1) + " ") if variant < 0.5 else (nfd + "  ")


def _names(rng: np.random.Generator, sex: pd.Series) -> list[str]:
    n = len(sex)
    surname = _pick(rng, SURNAMES, n)
    second = rng.random(n) < 0.25
    out = []
    for i, s in enumerate(sex.tolist()):
        middle = MIDDLE[s][rng.integers(0, len(MIDDLE[s]))]
        extra = f" {MIDDLE[s][rng.integers(3, len(MIDDLE[s]))]}" if second[i] else ""
        given = GIVEN[s][rng.integers(0, len(GIVEN[s]))]
        out.append(f"{surname[i]} {middle}{extra} {given}")
    return out


def _identity_numbers(rng: np.random.Generator, sex: pd.Series, birth_year: pd.Series) -> list[str]:
    """12 digits: province of birth (3), century and sex (1), year of birth (2), a serial (6); leading zero."""
    n = len(sex)
    province = _pick(rng, PROVINCE_PREFIXES, n)
    years = birth_year.astype(int).to_numpy()
    century_sex = (years >= 2000) * 2 + (sex.to_numpy() == "female")
    prefixes = [f"0{p:02d}{c}{y % 100:02d}" for p, c, y in zip(province, century_sex, years)]
    out = [""] * n
    groups: dict[str, list[int]] = {}
    for i, prefix in enumerate(prefixes):
        groups.setdefault(prefix, []).append(i)
    for prefix in sorted(groups):
        rows = groups[prefix]
        for i, serial in zip(rows, rng.choice(10**6, len(rows), replace=False)):
            out[i] = f"{prefix}{serial:06d}"
    return out


def _branch_names(units: pd.Series, branch_ids: pd.Series, types: pd.Series) -> dict[str, str]:
    """A name for each branch that carries its type, numbered within its unit and type."""
    names = {}
    table = pd.DataFrame({"unit": units, "branch": branch_ids, "type": types}).drop_duplicates("branch")
    for (_, btype), group in table.sort_values("branch").groupby(["unit", "type"], sort=True):
        for n, branch in enumerate(group["branch"], start=1):
            place = PLACES[(n * 7) % len(PLACES)]
            if btype == "hamlet":
                names[branch] = f"Chi bộ ấp {place} {n}" if n % 2 else f"Chi bộ khu phố {n}"
            else:
                kinds = BRANCH_KINDS.get(btype, BRANCH_KINDS["other"])
                kind = kinds[n % len(kinds)]
                names[branch] = " ".join(w for w in ("Chi bộ", kind, place, str(n)) if w)
    return names


def _committee_names(units: pd.DataFrame) -> dict[str, str]:
    """The name an export gives each unit's party committee ("Đảng bộ …")."""
    out = {}
    for code, name in zip(units["unit_code"], units["name"]):
        out[code] = name if header_key(name).startswith("dang bo") else f"Đảng bộ {name}"
    return out


def _records(dataset, seed: int, nfd_share: float) -> tuple[pd.DataFrame, pd.DataFrame, dt.date, str]:
    """The export's rows (as cell values) in the export's order, the key of who is where, the export date and the
    party committee the export is of."""
    members = dataset.members.copy()
    units = dataset.units
    rng = np.random.default_rng([seed, 3_000])
    order = rng.permutation(len(members))
    members = members.iloc[order].sort_values(["unit_code", "branch_id"], kind="stable").reset_index(drop=True)
    n = len(members)

    born = pd.to_datetime(members["birth_year"].astype(int).astype(str) + "-01-01") + pd.to_timedelta(
        rng.integers(0, 365, n), unit="D"
    )
    names = _names(rng, members["sex"])
    identity = _identity_numbers(rng, members["sex"], members["birth_year"])
    card = [f"0{c:07d}" for c in rng.choice(10**7, n, replace=False)]
    # Members who left before identity cards were issued often lack the number; a few lack the card number too.
    early = (members["exit_date"] < pd.Timestamp("2016-01-01")).fillna(False).to_numpy(dtype=bool)
    no_identity = early & (rng.random(n) < 0.6)
    no_card = no_identity & (rng.random(n) < 0.25)
    identity = ["" if gone else v for v, gone in zip(identity, no_identity)]
    card = ["" if gone else v for v, gone in zip(card, no_card)]
    seen: set[tuple[str, str]] = set()
    for i in np.flatnonzero(no_card):  # a member known only by name and birth date must be told apart by them
        key = (header_key(names[i]), born[i].date().isoformat())
        while key in seen:
            names[i] = _names(rng, members["sex"].iloc[[i]])[0]
            key = (header_key(names[i]), born[i].date().isoformat())
        seen.add(key)

    branch_names = _branch_names(members["unit_code"], members["branch_id"], members["branch_type"])
    committees = _committee_names(units)
    dates = pd.concat([members["admission_date"], members["entry_date"], members["exit_date"]]).dropna()
    exported = (dates.max() + pd.Timedelta(days=5)).date()
    official = members["admission_date"] + pd.Timedelta(days=365)
    kinds = members["exit_kind"].fillna("")
    reasons = []
    draws = rng.random(n)
    for kind, reason, cause, u in zip(kinds, members["exit_reason"], members["cause_group"], draws):
        if not pd.isna(reason):
            text = REASONS[reason][int(u * len(REASONS[reason]))]
            text += "" if pd.isna(cause) else CAUSE.format(cause=label("cause_group", str(int(cause)), "vi"))
        else:
            options = OTHER_REASONS.get(kind, ("",))
            text = options[int(u * len(options))]
        reasons.append(text)
    messy = rng.random(n) < nfd_share
    variant = rng.random(n)
    branch = [branch_names[b] for b in members["branch_id"]]
    committee = [committees[u] for u in members["unit_code"]]

    rows = pd.DataFrame(
        {
            "STT": [str(i) for i in range(1, n + 1)],
            "Họ và tên": [_messy(v, w) if m else v for v, m, w in zip(names, messy, variant)],
            "Giới tính": _labels(rng, members["sex"], SEX),
            "Ngày sinh": [d.strftime("%d/%m/%Y") for d in born],
            "Dân tộc": _pick(rng, ETHNICITY, n),
            "Tôn giáo": _pick(rng, RELIGION, n),
            "Số định danh cá nhân": identity,
            "Số thẻ đảng viên": card,
            "Ngày vào Đảng": [d.date() for d in members["admission_date"]],
            "Ngày vào Đảng chính thức": [_dmy(d) if d.date() <= exported else "" for d in official],
            "Ngày chuyển đến": [
                _dmy(d) if k == "transferred_in" else "" for d, k in zip(members["entry_date"], members["entry_kind"])
            ],
            "Tổ chức Đảng đang sinh hoạt": [_messy(v, w) if m else v for v, m, w in zip(branch, messy, variant)],
            "Đảng bộ cơ sở": [unicodedata.normalize("NFD", v) if m else v for v, m in zip(committee, messy)],
            "Nghề nghiệp": _labels(rng, members["occupation"], OCCUPATION),
            "Trình độ chuyên môn": _labels(rng, members["professional_training"], PROFESSIONAL),
            "Lý luận chính trị": _labels(rng, members["political_training"], POLITICAL),
            "Trạng thái": [STATUS[k] for k in kinds],
            "Ngày rời khỏi / Ngày mất": [_dmy(d) for d in members["exit_date"]],
            "Lý do": reasons,
        },
        columns=list(HEADERS),
    )
    key = pd.DataFrame(
        {
            "member_id": members["member_id"].astype(str).to_numpy(),
            "name": names,
            "identity_number": identity,
            "card_number": card,
            "birth_date": [d.date().isoformat() for d in born],
        }
    )
    province = units[units["level"] == "province"]["name"]
    title = (province.iloc[0] if len(province) else units["name"].iloc[0]).upper()
    return rows, key, exported, title


def _layout(rows: pd.DataFrame, exported: dt.date, title: str, chunk: int | None) -> list[tuple[str, list[list]]]:
    """Sheets of cell rows: title rows, the header, the records (a blank line in the middle), a footer."""
    n = len(rows)
    records = rows.to_numpy(dtype=object).tolist()
    size = chunk or max(n, 1)
    sheets = []
    for part, start in enumerate(range(0, max(n, 1), size), start=1):
        block = records[start : start + size]
        lines: list[list] = [[title], [TITLE], [EXPORTED_ON.format(date=exported.strftime("%d/%m/%Y"))], []]
        lines.append(list(HEADERS))
        middle = len(block) // 2
        for i, record in enumerate(block):
            if part == 1 and i == middle and i > 0:
                lines.append([])  # a stray blank line inside the list
            lines.append(record)
        if start + size >= n:
            lines += [[], [FOOTER[0].format(n=n)], [FOOTER[1]]]
        sheets.append((f"Trang {part}" if chunk else "Danh sách đảng viên", lines))
    return sheets


def _positions(sheets: list[tuple[str, list[list]]], named: bool) -> tuple[list[str], list[int]]:
    """The sheet and file row (from 1) of every record, in order."""
    where, rows = [], []
    for name, lines in sheets:
        header = next(i for i, line in enumerate(lines) if line and line[0] == HEADERS[0])
        for i, line in enumerate(lines[header + 1 :], start=header + 2):
            if len(line) == len(HEADERS):
                where.append(name if named else "")
                rows.append(i)
    return where, rows


_TONES = frozenset("\u0300\u0301\u0303\u0309\u0323")  # grave, acute, tilde, hook above, dot below


def _cp1258_tones(error: UnicodeEncodeError) -> tuple[str, int]:
    """Codec error handler: a letter Windows-1258 lacks as its base letter and a combining tone mark."""
    out = []
    for ch in error.object[error.start : error.end]:
        parts = unicodedata.normalize("NFD", ch)
        base = unicodedata.normalize("NFC", parts[0] + "".join(m for m in parts[1:] if m not in _TONES))
        out.append(base + "".join(m for m in parts[1:] if m in _TONES))
    return "".join(out), error.end


codecs.register_error("helpers_cp1258_tones", _cp1258_tones)


def cp1258_bytes(text: str) -> bytes:
    """Text in Windows-1258: each character as the code page has it, else its base letter (with any circumflex,
    breve or horn) and a combining tone mark, the way Vietnamese Windows writes the tones it has no letter for."""
    return unicodedata.normalize("NFC", text).encode("cp1258", errors="helpers_cp1258_tones")


def _text_file(lines: list[list], delimiter: str) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    for line in lines:
        if not line:
            buffer.write("\r\n")
            continue
        cells = ["" if v is None else v.strftime("%d/%m/%Y") if isinstance(v, dt.date) else str(v) for v in line]
        writer.writerow(cells + [""] * (len(HEADERS) - len(cells)))  # Excel pads every row to the table's width
    return buffer.getvalue()


def _write_xlsx(sheets: list[tuple[str, list[list]]], path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)
    for name, lines in [*sheets, (NOTE_SHEET[0], [[line] for line in NOTE_SHEET[1]])]:
        sheet = workbook.create_sheet(name)
        for line in lines:
            cells = []
            for value in line:
                if isinstance(value, dt.date):
                    cell = WriteOnlyCell(sheet, value=value)
                    cell.number_format = "DD/MM/YYYY"
                    cells.append(cell)
                else:
                    cells.append(value if value != "" else None)
            sheet.append(cells)
    workbook.save(path)


def _write_xls(sheets: list[tuple[str, list[list]]], path: Path) -> None:
    import xlwt

    workbook = xlwt.Workbook(encoding="utf-8")
    date_style = xlwt.easyxf(num_format_str="DD/MM/YYYY")
    for name, lines in sheets:
        sheet = workbook.add_sheet(name)
        for r, line in enumerate(lines):
            for c, value in enumerate(line):
                if isinstance(value, dt.date):
                    sheet.write(r, c, value, date_style)
                elif value != "":
                    sheet.write(r, c, value)
    workbook.save(str(path))


def write_csdl_export(
    dataset,
    path: str | Path,
    fmt: str = "xlsx",
    seed: int = truth.SEED,
    *,
    nfd_share: float = 0.1,
    xls_sheet_records: int = XLS_MAX_RECORDS,
) -> CsdlExport:
    """Write ``dataset.members`` (with ``dataset.units`` for the committees' names) as a member-database export.

    ``fmt`` is ``xlsx``, ``xls`` (continued on further sheets past ``xls_sheet_records`` members), ``utf16``
    (Excel's "Unicode text": UTF-16 with BOM, tab-separated) or ``cp1258`` (a Windows-1258 CSV). The fake names and
    numbers, the order of the rows and the wording chosen among equivalent labels depend on ``seed`` only, so every
    format of one seed holds the same export; ``nfd_share`` of the names and branch names are written decomposed,
    with stray spaces.

    Returns
    -------
    CsdlExport
        The path, and ``people``: per member in file order ``member_id`` (the dataset's), ``sheet``, ``row``,
        ``name``, ``identity_number``, ``card_number``, ``birth_date``.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; expected one of {FORMATS}")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    rows, key, exported, title = _records(dataset, seed, nfd_share)
    sheets = _layout(rows, exported, title, xls_sheet_records if fmt == "xls" else None)
    if fmt == "xlsx":
        _write_xlsx(sheets, path)
    elif fmt == "xls":
        _write_xls(sheets, path)
    elif fmt == "utf16":
        path.write_bytes(_text_file(sheets[0][1], "\t").encode("utf-16"))
    else:
        path.write_bytes(cp1258_bytes(_text_file(sheets[0][1], ",")))
    where, file_rows = _positions(sheets, named=fmt in ("xlsx", "xls"))
    people = key.assign(sheet=where, row=file_rows)[
        ["member_id", "sheet", "row", "name", "identity_number", "card_number", "birth_date"]
    ]
    return CsdlExport(path, fmt, people)
