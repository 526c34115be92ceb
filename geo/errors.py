"""The error family every layer raises and every page turns into a sentence.

A ``HotspotsError`` is an expected problem with the user's input or settings: its
message says what was wrong, what is allowed, and how to fix it (the scikit-learn
parameter messages are the model). Anything else reaching a page is a bug.

``hotspots`` re-exports these names; ``geo`` defines them because ``geo`` must not
import ``hotspots`` (data flows one way).
"""

from __future__ import annotations

__all__ = [
    "HotspotsError",
    "InputFileError",
    "SchemaError",
    "SettingError",
    "StoreError",
]


class HotspotsError(Exception):
    """Base class of every error a user can act on.

    Parameters
    ----------
    message : str
        A sentence saying what was wrong.
    fix : str, optional
        A sentence saying what to do about it.
    """

    def __init__(self, message: str, fix: str | None = None):
        self.message = message
        self.fix = fix
        super().__init__(message if not fix else f"{message} Fix: {fix}")


class InputFileError(HotspotsError):
    """A whole input file cannot be read (empty, wrong format, unreadable).

    Examples
    --------
    >>> err = InputFileError("the file has no rows", file="may.csv",
    ...                      fix="Download the month again from data.police.uk.")
    >>> str(err)
    'may.csv: the file has no rows Fix: Download the month again from data.police.uk.'
    """

    def __init__(self, message: str, *, file: str, fix: str | None = None):
        self.file = str(file)
        super().__init__(f"{self.file}: {message}", fix)


class SchemaError(InputFileError):
    """A file's columns or values do not fit what its reader expects.

    Names the file, and where it can, the row (as a spreadsheet shows it: the header
    is row 1), the column and the offending value.

    Examples
    --------
    >>> err = SchemaError("the column is missing", file="x.csv", column="Longitude",
    ...                   fix="Use the street-level file, not the outcomes file.")
    >>> err.column
    'Longitude'
    """

    def __init__(self, message: str, *, file: str, row: int | None = None,
                 column: str | None = None, value: object = None,
                 fix: str | None = None):
        self.row = row
        self.column = column
        self.value = value
        where = []
        if row is not None:
            where.append(f"row {row}")
        if column is not None:
            where.append(f"column '{column}'")
        if value is not None:
            where.append(f"value {value!r}")
        prefix = f"{', '.join(where)}: " if where else ""
        super().__init__(prefix + message, file=file, fix=fix)


class SettingError(HotspotsError, ValueError):
    """A parameter or setting is outside what is allowed."""


class StoreError(HotspotsError):
    """The incident store cannot be opened or written."""
