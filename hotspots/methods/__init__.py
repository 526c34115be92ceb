"""Pure estimators: arrays in, fitted results out (numpy and scipy; no store, no files, no prose).

Each statistic is one module with its references; shared machinery (k-ring weights, FDR) is in ``lattice``.
"""
