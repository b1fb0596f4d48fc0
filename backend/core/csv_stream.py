"""CSV files written as they stream: one line at a time (a national export never sits in memory), UTF-8 with a
BOM (spreadsheets open them with accents), `;` as separator (French locale).

Every export goes through here, so every cell is **neutralised** here, once: a text cell that a spreadsheet
would read as a formula (OWASP's CSV injection: a first character among `=`, `+`, `-`, `@`, tab, carriage
return, or `|` and `%` that some spreadsheets also evaluate, in their ASCII or full-width forms, even after
spaces) is written behind an apostrophe, which spreadsheets show as text. An MSP's name or a question's subject
is chosen by whoever typed it; the Cnam and ARS staff who open the file must not run it. Numbers stay numbers,
and so does a text that is only a number (`-12,5`). defusedcsv 3.0 does the same for `= + - @ | %` but not for
tab and carriage return, which OWASP lists; hence these few lines of our own.
"""

import csv
import re
from collections.abc import Iterable, Iterator
from numbers import Number

FORMULA_START = re.compile(r"^[\s\u3000]*[=+\-@|%\uff1d\uff0b\uff0d\uff20]|^[\t\r\n]")
PLAIN_NUMBER = re.compile(r"^-?[0-9][0-9 ,.]*$")


def neutralised(value):
    """The cell as a spreadsheet may open it without evaluating anything."""
    if value is None:
        return ""
    if isinstance(value, Number) and not isinstance(value, bool):
        return value
    text = str(value)
    if FORMULA_START.match(text) and not PLAIN_NUMBER.match(text):
        return "'" + text
    return text


class _Line:
    """A file-like object whose write returns the line: csv.writer then builds one line at a time."""

    def write(self, value: str) -> str:
        return value


def csv_lines(header: list[str], rows: Iterable) -> Iterator[str]:
    writer = csv.writer(_Line(), delimiter=";")
    yield "\ufeff" + writer.writerow(header)
    for row in rows:
        yield writer.writerow([neutralised(value) for value in row])
