"""How many crimes of each type the sample draws, and where: police.uk volumes, place mix and quirks.

Constants only (and one mix derived from them), read by the snap-point calibration (``geo.sample.snaps``), the
crime draw (``geo.sample.crimes``) and the A&E draw (``geo.sample.ae``). Derived once from the real police.uk
files for Hertfordshire, 2021-01 .. 2022-01 (``../shared/data/police/hertfordshire_2021/street``); each says how,
and ``tests/known_answer/test_sample_realism.py`` recomputes them from those files.
"""

from __future__ import annotations

__all__ = [
    "BORDER_RING_M", "BORDER_SHARE", "DOMESTIC_VIOLENCE_SHARE", "FAR_OUTSIDE_SHARE", "HOME_MIX", "MONTHLY_COUNTS",
    "NO_LOCATION_SHARE", "NTE_CATEGORIES", "PLACE_MIX", "nondomestic_violence_mix",
]

#: Street-level rows per calendar month (January .. December) by crime type: the counts of the real
#: Hertfordshire street files 2021-02 .. 2021-12, with January the mean of 2021-01 and 2022-01 (rounded).
#: Monthly totals 6,885 .. 9,551; Violence and sexual offences 29.7 % and Anti-social behaviour 25.7 % of rows.
#: A synthetic month draws Poisson counts with these means.
MONTHLY_COUNTS: dict[str, tuple[int, ...]] = {
    "Anti-social behaviour": (1642, 1624, 2158, 2382, 2516, 2735, 2918, 2377, 2347, 2157, 1801, 1558),
    "Bicycle theft": (64, 80, 72, 82, 77, 92, 115, 132, 125, 108, 81, 59),
    "Burglary": (319, 258, 269, 257, 259, 280, 263, 286, 294, 297, 369, 305),
    "Criminal damage and arson": (567, 509, 563, 650, 669, 619, 623, 617, 633, 632, 676, 638),
    "Drugs": (207, 266, 268, 223, 249, 193, 226, 220, 191, 215, 213, 207),
    "Other crime": (118, 176, 152, 145, 153, 146, 161, 121, 109, 110, 139, 107),
    "Other theft": (609, 482, 557, 590, 661, 644, 660, 651, 621, 623, 753, 645),
    "Possession of weapons": (48, 51, 51, 67, 59, 49, 70, 60, 59, 64, 57, 43),
    "Public order": (379, 402, 460, 509, 491, 544, 540, 420, 472, 472, 439, 411),
    "Robbery": (44, 35, 41, 37, 50, 49, 48, 61, 51, 47, 35, 56),
    "Shoplifting": (472, 474, 584, 564, 509, 527, 584, 529, 491, 467, 479, 400),
    "Theft from the person": (63, 48, 68, 64, 77, 72, 98, 82, 97, 112, 120, 107),
    "Vehicle crime": (630, 529, 629, 556, 592, 599, 491, 596, 657, 606, 753, 575),
    "Violence and sexual offences": (2324, 1951, 2428, 2296, 2599, 2590, 2754, 2532, 2659, 2623, 2559, 2627),
}

#: Share of rows without coordinates ("No Location", blank LSOA) by crime type, as in the real 2021 files
#: (1.65 % of all rows; almost never for anti-social behaviour).
NO_LOCATION_SHARE: dict[str, float] = {
    "Anti-social behaviour": 0.0004, "Bicycle theft": 0.0286, "Burglary": 0.0209,
    "Criminal damage and arson": 0.0229, "Drugs": 0.0302, "Other crime": 0.0741, "Other theft": 0.0255,
    "Possession of weapons": 0.0138, "Public order": 0.0201, "Robbery": 0.0318, "Shoplifting": 0.0296,
    "Theft from the person": 0.0682, "Vehicle crime": 0.0148, "Violence and sexual offences": 0.0164,
}

#: Share of rows placed far outside the county, elsewhere in England (DOMAIN.md section 2: "about 1 %").
#: In the real 2021 files 1.27 % of rows lay outside the county outline: 0.55 % within 5 km of it, 0.44 %
#: 5-20 km away and 0.28 % further (Westminster, Camden, Hackney ...). The sample follows the brief's 1 % + 1 %
#: so both quirks are easy to see.
FAR_OUTSIDE_SHARE = 0.010
#: Share of rows in LSOAs just over the county boundary (100 m .. ``BORDER_RING_M`` outside the outline).
BORDER_SHARE = 0.010
BORDER_RING_M = (100.0, 3000.0)

#: Place mix by crime type: shares of the located, in-county rows of the real 2021 files at a retail snap point
#: ("Supermarket" / "Shopping Area"), in a town core (within 450 m of a ``TOWNS`` centre), in a town's residential
#: area (within 3 km) and rural (further), in that order.
PLACE_MIX: dict[str, tuple[float, float, float, float]] = {
    #                               (core,  retail, residential, rural)
    "Anti-social behaviour": (0.167, 0.041, 0.733, 0.059),
    "Bicycle theft": (0.274, 0.105, 0.603, 0.018),
    "Burglary": (0.147, 0.035, 0.744, 0.074),
    "Criminal damage and arson": (0.164, 0.032, 0.742, 0.062),
    "Drugs": (0.182, 0.035, 0.731, 0.051),
    "Other crime": (0.148, 0.032, 0.726, 0.094),
    "Other theft": (0.167, 0.063, 0.694, 0.076),
    "Possession of weapons": (0.225, 0.044, 0.673, 0.057),
    "Public order": (0.206, 0.076, 0.670, 0.048),
    "Robbery": (0.291, 0.070, 0.607, 0.032),
    "Shoplifting": (0.215, 0.441, 0.324, 0.019),
    "Theft from the person": (0.387, 0.274, 0.326, 0.012),
    "Vehicle crime": (0.111, 0.026, 0.800, 0.063),
    "Violence and sexual offences": (0.166, 0.034, 0.748, 0.053),
}

#: Night-time-economy types: inside a town core they favour the nightlife snap points (``NTE_LABEL_FACTOR``).
NTE_CATEGORIES = frozenset({
    "Violence and sexual offences", "Public order", "Robbery", "Theft from the person", "Drugs",
    "Possession of weapons",
})

#: Share of "Violence and sexual offences" that is domestic, placed at homes (residential or rural snap points)
#: and timed on the domestic profile. ILLUSTRATIVE: police.uk carries no domestic flag; about a third is the
#: order of magnitude usually quoted for domestic-abuse-related violence against the person (not checked
#: against a source here).
DOMESTIC_VIOLENCE_SHARE = 0.33
#: Place mix (core, retail, residential, rural) of homes: violence's own residential-to-rural ratio.
HOME_MIX = (0.0, 0.0, 0.934, 0.066)


def nondomestic_violence_mix() -> tuple[float, ...]:
    """``PLACE_MIX`` of violence with the domestic share (at homes) taken out."""
    mix = PLACE_MIX["Violence and sexual offences"]
    d = DOMESTIC_VIOLENCE_SHARE
    return tuple(max(a - d * b, 0.0) / (1 - d) for a, b in zip(mix, HOME_MIX))
