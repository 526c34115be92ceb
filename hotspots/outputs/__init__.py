"""Results to what people use: CSV, GeoJSON, GeoPackage and KML files, static maps, PDF sheets.

Every writer escapes untrusted text for its format and labels synthetic data.
"""
