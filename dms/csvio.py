"""CSV as Excel writes it: `;` or `,`, UTF-8 with or without BOM, or Windows-1252. Used by every importer."""

import csv
import io
from pathlib import Path


class CsvError(ValueError):
    """A CSV file that cannot be read at all; the message names the file."""


def decode_excel_bytes(raw: bytes) -> str:
    """UTF-8 (BOM stripped) when it decodes, else Windows-1252 (Excel's 'CSV' on German Windows)."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="strict")


def read_excel_csv(path: str | Path) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """Return (headers, [(line number, row)]) with headers stripped; the delimiter is sniffed from `;` and `,`.
    Blank lines are skipped; line numbers are 1-based file lines, the header being line 1."""
    path = Path(path)
    try:
        text = decode_excel_bytes(path.read_bytes())
    except OSError as exc:
        raise CsvError(f"{path}: cannot read ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise CsvError(f"{path}: neither UTF-8 nor Windows-1252 text") from None
    first_line = text.split("\n", 1)[0]
    if not first_line.strip():
        raise CsvError(f"{path}: empty file or missing header line")
    delimiter = ";" if first_line.count(";") >= first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    headers = [h.strip() for h in next(reader)]
    rows = []
    for record in reader:
        if not any(cell.strip() for cell in record):
            continue
        if len(record) > len(headers):
            rows.append((reader.line_num, {"__error__": f"{len(record)} fields, header has {len(headers)}"}))
            continue
        row = {h: (record[i].strip() if i < len(record) else "") for i, h in enumerate(headers)}
        rows.append((reader.line_num, row))
    return headers, rows
