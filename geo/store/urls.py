"""Naming a PostgreSQL store: URLs and libpq keyword strings, told apart from file paths, never printed with a
password (issue 17).

``--db`` and ``HOTSPOTS_DB`` take a DuckDB file path or a PostgreSQL connection string: a URL
(``postgresql://user@host:port/db``, also ``postgres://``) or libpq keywords (``host=... dbname=...``).
Whatever names the database in a message, a log line or a refusal goes through :func:`redacted` first.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

__all__ = ["is_pg", "redacted"]

_KEYWORDS = re.compile(r"(?:^|\s)(host|hostaddr|port|dbname|user|password|service|sslmode)\s*=", re.I)
_PASSWORD_KW = re.compile(r"(password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)", re.I)


def is_pg(name) -> bool:
    """Whether ``name`` is a PostgreSQL connection string rather than a file path.

    >>> [is_pg(s) for s in ("postgresql://ana@db:5432/hotspots", "postgres://db/h", "host=db dbname=hotspots",
    ...                     "data/hotspots.duckdb", "./postgresql.duckdb", None)]
    [True, True, True, False, False, False]
    """
    if name is None:
        return False
    text = str(name).strip()
    return text.lower().startswith(("postgresql://", "postgres://")) or bool(_KEYWORDS.search(text))


def redacted(name) -> str:
    """The connection string with any password replaced by ``***`` (URL userinfo, ``?password=``, keywords).

    >>> redacted("postgresql://ana:s3cret@db.example:5432/hotspots")
    'postgresql://ana:***@db.example:5432/hotspots'
    >>> redacted("postgresql://db/hotspots?password=s3cret&sslmode=require")
    'postgresql://db/hotspots?password=***&sslmode=require'
    >>> redacted("host=db dbname=hotspots password='it s3cret' user=ana")
    'host=db dbname=hotspots password=*** user=ana'
    >>> redacted("data/hotspots.duckdb")
    'data/hotspots.duckdb'
    """
    text = str(name)
    if not is_pg(text):
        return text
    if "://" in text:
        try:
            parts = urlsplit(text)
        except ValueError:
            return "a PostgreSQL connection string"
        netloc = parts.netloc
        if "@" in netloc:
            user, host = netloc.rsplit("@", 1)
            if ":" in user:
                user = user.split(":", 1)[0] + ":***"
            netloc = f"{user}@{host}"
        query = re.sub(r"(?i)(^|&)(password=)[^&]*", r"\1\2***", parts.query)
        return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))
    return _PASSWORD_KW.sub(r"\1***", text)
