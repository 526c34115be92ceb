"""Loading files into the store: read, stage, place, write one transaction per file (through ``geo.store``).

``pipeline`` holds the shared machinery; ``police``, ``rms``, ``ae`` and ``sample`` the loaders on top of it.
"""
