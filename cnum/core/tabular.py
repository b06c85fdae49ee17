"""Cells for the CSV and XLSX files cnum writes: one function, `safe_cell`, that every writer goes through.

A spreadsheet opening a CSV or XLSX treats a text cell starting with `=`, `+`, `-` or `@` (or a tab or carriage
return before one) as a formula: a site named `=HYPERLINK("https://…")` would become a link, `=cmd|…` a command
(OWASP, "CSV Injection"). Such a text gets a leading `'`, which spreadsheets show as text and do not evaluate.

Choices, against the letter of OWASP where it would break legitimate data:
- numbers stay numbers (a negative int, float or Decimal is written as the number it is, never as text);
- a text that is exactly one signed number (`-2`, `+33180056789`, `-1,5`) is left as it is: it holds no function,
  reference or command, and the national schema of the sites ("lieux") requires phone numbers written `+33…`,
  which a quote would make invalid for every validator of the open-data file;
- every other text starting with one of those characters is quoted, a lone `-` and `+33 1 80 05 67 89` included
  (OWASP: prefix them anyway; the spreadsheet still shows them).

JSON exports are not concerned: their values are never evaluated.
"""

import csv
import io
import re
from collections.abc import Iterable

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
WHOLE_SIGNED_NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)?")


def safe_cell(value):
    """The value, or for a text a spreadsheet would read as a formula, the same text after a `'`."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES) and not WHOLE_SIGNED_NUMBER.fullmatch(value):
        return "'" + value
    return value


def read_cell(text: str) -> str:
    """The inverse of `safe_cell` for a text read back from a file cnum wrote: the `'` it added is removed."""
    if text.startswith("'") and safe_cell(text[1:]) == text:
        return text[1:]
    return text


def safe_row(values: Iterable) -> list:
    """A row of cells, each through `safe_cell`."""
    return [safe_cell(value) for value in values]


def csv_bytes(headers: Iterable, rows: Iterable[Iterable]) -> bytes:
    """One table as CSV: UTF-8 with a BOM and `;`, as a spreadsheet in French opens it; every cell made safe."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(safe_row(headers))
    for row in rows:
        writer.writerow(safe_row(row))
    return buffer.getvalue().encode("utf-8-sig")


def xlsx_bytes(sheet: str, headers: Iterable, rows: Iterable[Iterable]) -> bytes:
    """One table as an XLSX workbook of one sheet (`sheet`, 31 characters at most), bold headers, numbers as
    numbers; every cell made safe."""
    from openpyxl import Workbook  # imported here: only XLSX files pay for it
    from openpyxl.styles import Font

    workbook = Workbook()
    worksheet = workbook.active
    worksheet.title = sheet[:31]
    worksheet.append(safe_row(headers))
    for cell in worksheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        worksheet.append(safe_row(row))
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()
