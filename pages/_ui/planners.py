"""What the three planner pages (Patrol, Mobile CCTV, Knife sweeps) share: the prompt to choose a district
before planning, the crime types a planner uses, the recording-artefacts checkbox and the plan's own notes."""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from hotspots.methods.words import plural
from hotspots.outputs.plans import METHOD_HEADING
from pages._ui.errors import md_escape
from pages._ui.state import WHOLE_STORE, Settings, use_area_from

__all__ = ["artefacts_checkbox", "district_prompt", "map_and_side", "planner_types", "show_notes", "types_caption"]

#: What the prompt says: a county-wide plan is not one team's plan.
PROMPT = ("**Choose a district to plan for.** Each district is its own community safety partnership, and a plan "
          "for the whole county has hundreds of areas or sites: more than one team can use.")


def district_prompt(s: Settings, info: dict, key: str) -> bool:
    """Whether the page may plan now. With the whole store in the sidebar and districts loaded, it shows a
    sentence, a district picker (which sets the shared area) and an explicit "Plan the whole county anyway";
    it returns True once a district (or any area) is chosen, when no districts are loaded, or when the user
    ticked the whole county."""
    districts = [name for layer, name in info.get("areas", []) if layer == "district"]
    if s.area != WHOLE_STORE or not districts:
        return True
    with st.container(border=True):
        st.markdown(PROMPT)
        c1, c2 = st.columns([3, 2], vertical_alignment="bottom")
        c1.selectbox("District", districts, index=None, placeholder="Choose a district", key=f"{key}_district",
                     on_change=use_area_from, args=(f"{key}_district",),
                     help="The same as the sidebar's Area: every page then shows this district.")
        anyway = c2.checkbox("Plan the whole county anyway", key=f"{key}_county",
                             help="Everything in the store: slower, and more areas than one team can visit.")
    return bool(anyway)


def planner_types(s: Settings, default: tuple[str, ...]) -> tuple[Settings, bool]:
    """The settings a planner plans with: the sidebar's crime types, or the planner's ``default`` when none is
    chosen; and whether the default was used."""
    if s.categories:
        return s, False
    return replace(s, categories=tuple(default)), True


def types_caption(s: Settings, used_default: bool, why: str) -> str:
    """One line saying which crime types the plan uses, and why (Markdown, escaped)."""
    types = ", ".join(s.categories) if s.categories else "all crime types"
    if used_default:
        return (f"Crime types: this planner's default, {md_escape(why)}. Choose crime types in the sidebar to plan "
                "on others.")
    return f"Crime types: {md_escape(types)} (chosen in the sidebar)."


def artefacts_checkbox(key: str, where=None) -> bool:
    """The "include recording artefacts" choice (left out by default)."""
    return bool((where or st).checkbox(
        "Include recording artefacts", value=False, key=f"{key}_artefacts",
        help="police.uk places some crimes where they are recorded, not where they happen: 'On or near Police "
             "Station' and 'Hospital' (crimes reported or treated there), 'Supermarket' and 'Petrol Station' "
             "(shoplifting and drive-offs the shop's own CCTV covers), and points holding most of the crime "
             "around them. They are left out of plans unless you tick this; the tables and the map flag them."))


def show_notes(notes, summary: dict | None = None, title: str = METHOD_HEADING) -> None:
    """The plan's own notes (how the caps were applied, what was left out and why) as a short list, in an
    expander whose label says how many incidents were left out at recording artefacts; open when short."""
    notes = [str(n) for n in (notes or []) if str(n).strip()]
    if not notes:
        return
    n = int((summary or {}).get("artefact_incidents") or 0)
    kept = bool((summary or {}).get("include_artefacts"))
    label = title + (f": {plural(n, 'incident')} at recording artefacts "
                     f"{'kept' if kept else 'left out'}" if n else "")
    with st.expander(label, expanded=len(notes) <= 4):
        st.markdown("\n".join(f"- {md_escape(x)}" for x in notes))


def map_and_side(s: Settings, widths=(3, 2)):
    """The map's column and the one beside it on a desk; on a projector the two stacked, full width."""
    if s.presentation:
        return st.container(), st.container()
    return st.columns(list(widths))
