"""Downloads: what a spreadsheet or Google Earth will do with our files."""

import xml.etree.ElementTree as ET

import pandas as pd

from hotspots.outputs.files import incidents_csv, incidents_kml

XSS = "<img src=x onerror=alert(1)>"


def test_kml_description_carries_no_markup():
    kml = incidents_kml(pd.DataFrame({"lon": [-0.39], "lat": [51.65], "category": ["Robbery"], "location": [XSS]}))
    desc = ET.fromstring(kml).find(".//{http://www.opengis.net/kml/2.2}description").text
    # after XML parsing the description is HTML for the viewer: the tag must still be escaped there
    assert "<img" not in desc and "&lt;img src=x onerror=alert(1)&gt;" in desc


def test_csv_is_excel_safe():
    b = incidents_csv(pd.DataFrame({"location": ["=cmd|' /C calc'!A0", "On or near Café £"], "n": [1, 2]}))
    assert b.startswith(b"\xef\xbb\xbf")
    text = b.decode("utf-8-sig")
    assert "'=cmd" in text and "Café £" in text


def test_synthetic_data_is_labelled_in_csv():
    b = incidents_csv(pd.DataFrame({"force": ["Hertfordshire (SYNTHETIC)"], "n": [1]}))
    assert "SYNTHETIC sample data, not real crime" in b.decode("utf-8-sig")
