"""Hertfordshire's towns: where their centres and their housing are, how much crime they see, how far it spreads.

Real reference data, not synthetic: every number below was derived once, not at run time, from the real
police.uk street-level files for Hertfordshire, 2021-01 to 2022-01 (``../shared/data/police/hertfordshire_2021``;
data.police.uk, anonymised snap points [1]_). The starting point of each centre was an approximate town-centre
point (where those starting points came from is not recorded); the data then moved it. How each column was made
is written beside the table. ``tests/known_answer/test_sample_realism.py`` recomputes the towns' shares from the
real files and checks them.

Read by the geocoder (``geo.geocode.towns_table``: names, centres and radii for "<street>, <town>" texts) and by the
synthetic sample generator (``geo.sample``: where its towns, snap points and venues go).

Contains public sector information licensed under the Open Government Licence v3.0.

References
----------
.. [1] data.police.uk, "About: the data" (street-level crime, anonymised snap points).
"""

from __future__ import annotations

__all__ = ["TOWNS"]

#: (town, latitude, longitude, residential latitude, residential longitude, share %, radius_m).
#: Centre: an approximate town-centre point, moved to the median of the real 2021 violence, public order,
#: robbery, shoplifting and theft-from-the-person points within 700 m and then 400 m (four iterations).
#: Share: real located in-county rows whose nearest centre is this town and lies within 3 km (% of such rows).
#: Residential centre: the mean of those rows more than 450 m from the centre (a town's housing is not always
#: around its centre: Knebworth's nearest rows are mostly in south Stevenage).
#: radius_m: 80th percentile of those rows' distances to the centre, capped at 800 + 180 x share (so that a
#: village next to a big town does not take the big town's spread) and floored at 500 m.
#: "Leavesden" is the north Watford / Garston / Leavesden cluster.
TOWNS: tuple[tuple[str, float, float, float, float, float, int], ...] = (
    ("Stevenage", 51.9020, -0.2030, 51.9073, -0.1925, 9.25, 2450),
    ("Hemel Hempstead", 51.7494, -0.4717, 51.7541, -0.4659, 8.62, 2200),
    ("Watford", 51.6569, -0.3980, 51.6580, -0.3989, 8.49, 1550),
    ("Hatfield", 51.7631, -0.2272, 51.7607, -0.2338, 5.35, 1550),
    ("Welwyn Garden City", 51.8012, -0.2060, 51.7963, -0.1932, 5.31, 1750),
    ("St Albans", 51.7523, -0.3383, 51.7533, -0.3321, 4.88, 1700),
    ("Borehamwood", 51.6558, -0.2744, 51.6597, -0.2706, 4.70, 1550),
    ("Cheshunt", 51.7019, -0.0340, 51.7098, -0.0400, 3.75, 1500),
    ("Leavesden", 51.6965, -0.3998, 51.6872, -0.3966, 3.47, 1400),
    ("Bishop's Stortford", 51.8702, 0.1602, 51.8682, 0.1580, 3.19, 1350),
    ("Hitchin", 51.9481, -0.2786, 51.9537, -0.2727, 2.83, 1300),
    ("Hertford", 51.7966, -0.0773, 51.7986, -0.0829, 2.56, 1250),
    ("Letchworth Garden City", 51.9784, -0.2290, 51.9801, -0.2261, 2.56, 1250),
    ("Potters Bar", 51.6939, -0.1780, 51.6964, -0.1852, 2.13, 1200),
    ("South Oxhey", 51.6277, -0.3866, 51.6267, -0.3943, 1.99, 1150),
    ("Bushey", 51.6482, -0.3558, 51.6470, -0.3567, 1.97, 1150),
    ("Hoddesdon", 51.7609, -0.0120, 51.7674, -0.0079, 1.94, 1150),
    ("Ware", 51.8110, -0.0316, 51.8116, -0.0326, 1.76, 1100),
    ("Waltham Cross", 51.6857, -0.0322, 51.6876, -0.0293, 1.69, 800),
    ("London Colney", 51.7268, -0.2990, 51.7328, -0.2963, 1.59, 1100),
    ("Knebworth", 51.8659, -0.1829, 51.8760, -0.1763, 1.58, 1100),
    ("Harpenden", 51.8154, -0.3571, 51.8190, -0.3489, 1.52, 1050),
    ("Rickmansworth", 51.6390, -0.4696, 51.6376, -0.4849, 1.30, 1050),
    ("Berkhamsted", 51.7604, -0.5633, 51.7618, -0.5705, 1.17, 1000),
    ("Baldock", 51.9849, -0.1861, 51.9846, -0.1927, 1.15, 1000),
    ("Park Street", 51.7300, -0.3423, 51.7311, -0.3446, 1.04, 1000),
    ("Broxbourne", 51.7472, -0.0189, 51.7355, -0.0239, 1.00, 1000),
    ("Royston", 52.0475, -0.0223, 52.0544, -0.0233, 0.98, 1000),
    ("Croxley Green", 51.6481, -0.4483, 51.6477, -0.4353, 0.92, 950),
    ("Abbots Langley", 51.7056, -0.4166, 51.7031, -0.4213, 0.85, 950),
    ("Tring", 51.7944, -0.6616, 51.7973, -0.6602, 0.80, 950),
    ("Radlett", 51.6841, -0.3176, 51.6868, -0.3228, 0.75, 950),
    ("Goffs Oak", 51.7102, -0.0865, 51.7148, -0.0703, 0.70, 950),
    ("Kings Langley", 51.7132, -0.4498, 51.7206, -0.4511, 0.66, 900),
    ("Sandridge", 51.7812, -0.2996, 51.7673, -0.3049, 0.66, 900),
    ("Welwyn", 51.8306, -0.2149, 51.8297, -0.2065, 0.64, 900),
    ("Bricket Wood", 51.7077, -0.3638, 51.7125, -0.3635, 0.60, 900),
    ("Sawbridgeworth", 51.8176, 0.1529, 51.8134, 0.1435, 0.60, 900),
    ("Buntingford", 51.9463, -0.0184, 51.9449, -0.0191, 0.58, 900),
    ("Brookmans Park", 51.7221, -0.2017, 51.7280, -0.2055, 0.56, 900),
    ("Stanstead Abbotts", 51.7881, 0.0054, 51.7840, -0.0025, 0.54, 900),
    ("Chorleywood", 51.6538, -0.5199, 51.6507, -0.5067, 0.50, 900),
    ("Shenley", 51.6930, -0.2813, 51.6981, -0.2881, 0.43, 900),
    ("Redbourn", 51.7984, -0.3954, 51.7998, -0.4050, 0.42, 900),
    ("Cuffley", 51.7081, -0.1125, 51.7139, -0.1207, 0.38, 850),
    ("Elstree", 51.6423, -0.3006, 51.6428, -0.3048, 0.35, 850),
    ("Bovingdon", 51.7248, -0.5414, 51.7244, -0.5301, 0.33, 850),
    ("Wheathampstead", 51.8092, -0.2916, 51.8104, -0.2957, 0.31, 600),
    ("Markyate", 51.8368, -0.4624, 51.8246, -0.4392, 0.29, 850),
    ("Standon", 51.8858, 0.0201, 51.8895, 0.0161, 0.25, 850),
    ("Codicote", 51.8524, -0.2354, 51.8487, -0.2344, 0.13, 800),
)
