"""CSV files written as they stream: one line at a time (a national export never sits in memory), UTF-8 with a
BOM (spreadsheets open them with accents), `;` as separator (French locale)."""

import csv
from collections.abc import Iterable, Iterator


class _Line:
    """A file-like object whose write returns the line: csv.writer then builds one line at a time."""

    def write(self, value: str) -> str:
        return value


def csv_lines(header: list[str], rows: Iterable) -> Iterator[str]:
    writer = csv.writer(_Line(), delimiter=";")
    yield "\ufeff" + writer.writerow(header)
    for row in rows:
        yield writer.writerow(["" if value is None else value for value in row])
