"""One colour per police.uk crime type (hotspots/outputs/legend.py CATEGORY_COLOURS): all 14 types, distinct for
normal vision and under simulated colour-vision deficiency, dark enough to read as a line on white.

Distances are CIEDE2000 (Sharma, Wu & Dalal 2005, checked below against two of their published test pairs);
colour-vision deficiency is simulated with the severity-1.0 matrices of Machado, Oliveira & Fernandes (2009),
applied to linear RGB (as colorspacious does).
"""

import numpy as np
import pytest

from geo.constants import POLICE_CATEGORIES
from hotspots.outputs.legend import CATEGORY_COLOURS

#: Machado et al. 2009, severity 1.0.
CVD = {
    "protanopia": np.array([[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216],
                            [-0.003882, -0.048116, 1.051998]]),
    "deuteranopia": np.array([[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413],
                              [-0.011820, 0.042940, 0.968881]]),
    "tritanopia": np.array([[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602],
                            [0.004733, 0.691367, 0.303900]]),
}
#: Minimum CIEDE2000 between any two types' colours.
MIN_NORMAL = 15.0
MIN_CVD = 7.0
#: Lines on a white page: no colour lighter than this (CIELAB L*).
MAX_LIGHTNESS = 75.0


def to_linear(hex_colour: str) -> np.ndarray:
    c = np.array([int(hex_colour.lstrip("#")[i:i + 2], 16) / 255 for i in (0, 2, 4)])
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def linear_to_lab(rgb: np.ndarray) -> np.ndarray:
    xyz = np.array([[0.4124564, 0.3575761, 0.1804375], [0.2126729, 0.7151522, 0.0721750],
                    [0.0193339, 0.1191920, 0.9503041]]) @ rgb / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > 216 / 24389, np.cbrt(xyz), (24389 / 27 * xyz + 16) / 116)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def ciede2000(lab1, lab2) -> float:
    """CIEDE2000 colour difference (kL = kC = kH = 1)."""
    (l1, a1, b1), (l2, a2, b2) = lab1, lab2
    cbar = (np.hypot(a1, b1) + np.hypot(a2, b2)) / 2
    g = 0.5 * (1 - np.sqrt(cbar ** 7 / (cbar ** 7 + 25 ** 7)))
    a1p, a2p = (1 + g) * a1, (1 + g) * a2
    c1p, c2p = np.hypot(a1p, b1), np.hypot(a2p, b2)
    h1p, h2p = np.degrees(np.arctan2(b1, a1p)) % 360, np.degrees(np.arctan2(b2, a2p)) % 360
    dlp, dcp = l2 - l1, c2p - c1p
    dh = 0.0 if c1p * c2p == 0 else (h2p - h1p + 180) % 360 - 180
    dhp = 2 * np.sqrt(c1p * c2p) * np.sin(np.radians(dh / 2))
    lbar, cbarp = (l1 + l2) / 2, (c1p + c2p) / 2
    if c1p * c2p == 0:
        hbar = h1p + h2p
    elif abs(h1p - h2p) > 180:
        hbar = (h1p + h2p + 360) / 2 if h1p + h2p < 360 else (h1p + h2p - 360) / 2
    else:
        hbar = (h1p + h2p) / 2
    t = (1 - 0.17 * np.cos(np.radians(hbar - 30)) + 0.24 * np.cos(np.radians(2 * hbar))
         + 0.32 * np.cos(np.radians(3 * hbar + 6)) - 0.20 * np.cos(np.radians(4 * hbar - 63)))
    rc = 2 * np.sqrt(cbarp ** 7 / (cbarp ** 7 + 25 ** 7))
    rt = -np.sin(np.radians(2 * 30 * np.exp(-(((hbar - 275) / 25) ** 2)))) * rc
    sl = 1 + 0.015 * (lbar - 50) ** 2 / np.sqrt(20 + (lbar - 50) ** 2)
    sc, sh = 1 + 0.045 * cbarp, 1 + 0.015 * cbarp * t
    return float(np.sqrt((dlp / sl) ** 2 + (dcp / sc) ** 2 + (dhp / sh) ** 2 + rt * (dcp / sc) * (dhp / sh)))


@pytest.mark.parametrize("lab1, lab2, want", [
    ((50.0, 2.6772, -79.7751), (50.0, 0.0, -82.7485), 2.0425),      # Sharma et al. 2005, pair 1
    ((50.0, 2.5, 0.0), (73.0, 25.0, -18.0), 27.1492),               # pair 25
])
def test_ciede2000_matches_sharmas_test_data(lab1, lab2, want):
    assert ciede2000(lab1, lab2) == pytest.approx(want, abs=1e-4)


def test_every_police_type_has_one_colour():
    assert list(CATEGORY_COLOURS) == list(POLICE_CATEGORIES)
    assert len(set(c.lower() for c in CATEGORY_COLOURS.values())) == 14


@pytest.mark.parametrize("vision", [None, *CVD])
def test_colours_are_distinct_for_normal_and_colour_blind_vision(vision):
    labs = {t: linear_to_lab(np.clip(CVD[vision] @ to_linear(c), 0, 1) if vision else to_linear(c))
            for t, c in CATEGORY_COLOURS.items()}
    types = list(labs)
    worst = min((ciede2000(labs[a], labs[b]), a, b) for i, a in enumerate(types) for b in types[i + 1:])
    assert worst[0] >= (MIN_CVD if vision else MIN_NORMAL), worst
    # the two busiest police.uk types, which share every all-types chart, stay far apart whatever the vision
    assert ciede2000(labs["Anti-social behaviour"], labs["Shoplifting"]) >= 20


def test_colours_read_as_lines_on_white():
    light = {t: round(float(linear_to_lab(to_linear(c))[0])) for t, c in CATEGORY_COLOURS.items()}
    assert max(light.values()) < MAX_LIGHTNESS, light
