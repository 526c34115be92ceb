"""Readers: one file in, one canonical table out (police.uk, force records, A&E, points), never the store.

Shared machinery: ``inputs`` (files, zips, limits), ``text`` (encodings, delimiters) and ``common`` (tables).
"""
