"""Real reference data the library needs offline (Great Britain's land, towns and outlines).

Never synthetic: the sample generator reads from here, not the other way round.
"""
