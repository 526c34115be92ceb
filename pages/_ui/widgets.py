"""Widgets built from the settings' specs (``hotspots.defaults.SPECS``): a range is written once, and the
page, the command line and the estimators agree on it.
"""

from __future__ import annotations

import streamlit as st

from hotspots.defaults import SPECS

__all__ = ["MAX_SLIDER_STEPS", "spec_widget", "widget_bounds"]

#: A setting with more steps than this is typed in (a number box), not dragged.
MAX_SLIDER_STEPS = 200


def widget_bounds(name: str) -> tuple[float, float | None, float]:
    """(min, max, step) of a setting's widget, from its spec (max None: no upper end).

    >>> widget_bounds("cameras")
    (1, 200, 1)
    """
    spec = SPECS[name]
    lo, hi = spec.widget_range()
    step = spec.kind(spec.step or 1)
    return lo, hi, step


def spec_widget(name: str, *, value=None, label: str | None = None, key: str | None = None, where=None,
                help: str | None = None, box: bool = False, **kwargs):
    """The widget of one setting (a slider, or a number box for a long range), its range from the spec.

    ``label`` defaults to the spec's label with its unit; ``value`` to the spec's default; ``where`` is a
    container (default the page); ``box`` asks for a number box whatever the range.
    """
    spec = SPECS[name]
    lo, hi, step = widget_bounds(name)
    value = spec.default if value is None else value
    value = spec.kind(max(value, lo) if hi is None else min(max(value, lo), hi))
    label = label or (f"{spec.label} ({spec.unit})" if spec.unit else spec.label)
    where = where or st
    if spec.kind is float and "format" not in kwargs:
        # as many decimals as the step has: "100 m", "15 minutes", "1.5 %", never "100.00"
        decimals = 0 if float(step).is_integer() else len(repr(float(step)).split(".")[1])
        kwargs["format"] = f"%.{decimals}f"
    common = {"min_value": lo, "max_value": hi, "value": value, "step": step, "key": key,
              "help": help or spec.help or None, **kwargs}
    if not box and hi is not None and (hi - lo) / step <= MAX_SLIDER_STEPS:
        return where.slider(label, **common)
    return where.number_input(label, **common)
