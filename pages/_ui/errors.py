"""Messages: an expected problem as its sentence and fix, a bug as a logged apology, never a traceback;
the read-only and synthetic-data banners; the one Markdown escaper for text from data.
"""

from __future__ import annotations

import logging
import re

import streamlit as st

from geo.errors import HotspotsError

__all__ = ["UPLOAD_PREFIX", "WRITE_ACTIONS", "display_name", "guarded", "md_escape", "read_only_banner",
           "run_safely", "show_error", "show_file_error", "synthetic_banner"]

log = logging.getLogger("hotspots.app")

#: What needs write access to the store (said when it is read-only).
WRITE_ACTIONS = ("loading files", "removing data", "adding boundaries", "saving column mappings",
                 "placing A&E descriptions")
#: Uploads are kept in temporary folders named so (``pages._ui.data_forms.save_uploads``).
UPLOAD_PREFIX = "hotspots-upload-"
_TEMP_PATH = re.compile(r"[^\s!'\"]*" + re.escape(UPLOAD_PREFIX) + r"[^/\\\s]+[/\\](?:\d+[/\\])?")
#: Characters that Markdown (and Streamlit's extensions: :colour[...] directives, $LaTeX$) read.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:&])")


def md_escape(text) -> str:
    r"""Text from data, shown as typed inside Markdown: no link, image, HTML, colour, maths or entity.

    The one escaper of the app: every page quoting a file name, an area or a value uses it.

    >>> md_escape("![x](http://a.b/c.png) :red[y] <b>")
    '\\!\\[x\\]\\(http\\://a\\.b/c\\.png\\) \\:red\\[y\\] \\<b\\>'
    """
    return _MARKDOWN_SPECIAL.sub(r"\\\1", str(text))


def display_name(text: str) -> str:
    """Strip the temporary upload folder from a file name or a message that quotes one.

    >>> display_name("/tmp/hotspots-upload-ab12/2021-01-x-street.csv")
    '2021-01-x-street.csv'
    >>> display_name("Read /tmp/hotspots-upload-ab12/2/bulk.zip!2021-01/a.csv: the file is empty.")
    'Read bulk.zip!2021-01/a.csv: the file is empty.'
    """
    return _TEMP_PATH.sub("", str(text))


def read_only_banner(info: dict) -> None:
    """Say that the store is read-only, and which actions need write access (everything else works)."""
    if info.get("read_only"):
        st.info(f"The store is read-only ({md_escape(info['read_only'])}): every page and download works, but "
                f"{', '.join(WRITE_ACTIONS[:-1])} and {WRITE_ACTIONS[-1]} need write access.",
                icon=":material/lock:")


def synthetic_banner(is_synthetic: bool) -> None:
    if is_synthetic:
        st.warning("**SYNTHETIC DATA.** This is the generated Hertfordshire-like sample, not real crime. "
                   "Load real police.uk files on the Data page.", icon=":material/science:")


def show_error(err: HotspotsError) -> None:
    """An expected problem: its sentence and its fix, never a traceback. File names and values
    in the sentence come from files, so they are escaped."""
    st.error(md_escape(err.message) + (f"\n\n**How to fix it:** {md_escape(err.fix)}" if err.fix else ""),
             icon=":material/error:")


def show_file_error(err: HotspotsError) -> None:
    """``show_error`` for a problem that quotes an upload: the temporary folder dropped from its names."""
    show_error(HotspotsError(display_name(err.message), display_name(err.fix) if err.fix else None))


def _bug(fn) -> None:
    log.exception("unexpected error in %s", getattr(fn, "__name__", fn))
    st.error("Something went wrong that should not have. It has been logged; please report what you "
             "were doing.", icon=":material/bug_report:")


def run_safely(fn, *args, **kwargs):
    """Call fn; a HotspotsError becomes its sentence and stops the page; anything else is a bug."""
    try:
        return fn(*args, **kwargs)
    except HotspotsError as err:
        show_file_error(err)
        st.stop()
    except Exception:  # a bug: log it with its traceback, show a sentence
        _bug(fn)
        st.stop()


def guarded(fn, *args, **kwargs):
    """Call fn; an expected problem is shown as its sentence, a bug is logged; None then.

    Unlike ``run_safely`` the page is not stopped, so the other tabs still draw.
    """
    try:
        return fn(*args, **kwargs)
    except HotspotsError as err:  # settings and file problems alike: an upload named as uploaded, not its copy
        show_file_error(err)
    except Exception:  # a bug: log it with its traceback, show a sentence
        _bug(fn)
    return None
