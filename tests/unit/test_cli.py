"""The command line's contract: JSON keys, exit codes, sentences instead of tracebacks."""

import json

import pytest

from hotspots.cli import main
from tests.conftest import street_csv, street_row, watford_rows


def run(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_ingest_json_keys_and_status(tmp_path, capsys):
    f = tmp_path / "2021-06-hertfordshire-street.csv"
    f.write_text(street_csv(watford_rows(5) + [street_row(crime_id="n", lon="", lat="")]))
    db = str(tmp_path / "s.duckdb")
    code, out, _ = run(capsys, "ingest", "police", str(f), "--db", db, "--json")
    d = json.loads(out)
    assert code == 0
    assert {k: d[k] for k in ("files", "rows_read", "rows_stored", "rows_rejected", "rejected_by_reason", "months")} == {
        "files": 1, "rows_read": 6, "rows_stored": 5, "rows_rejected": 1,
        "rejected_by_reason": {"no_coordinates": 1}, "months": ["2021-06"]}
    code, out, _ = run(capsys, "status", "--db", db, "--json")
    st = json.loads(out)
    assert st["rows"] == 5 and st["rows_by_source"] == {"police": 5}
    assert st["partitions"] == [{"source": "police", "force": "Hertfordshire Constabulary", "month": "2021-06",
                                 "rows": 5, "rejected": 1}]


def test_text_report_names_reasons(tmp_path, capsys):
    f = tmp_path / "a-street.csv"
    f.write_text(street_csv(watford_rows(2) + [street_row(crime_id="n", lon="", lat="")]))
    code, out, _ = run(capsys, "ingest", "police", str(f), "--db", str(tmp_path / "s.duckdb"))
    assert code == 0 and "no_coordinates: The row has no coordinates" in out and "stored: 2" in out


def test_a_refused_file_exits_1_after_loading_the_others(tmp_path, capsys):
    (tmp_path / "good-street.csv").write_text(street_csv(watford_rows(3)))
    (tmp_path / "empty.csv").write_text("")
    code, out, _ = run(capsys, "ingest", "police", str(tmp_path), "--db", str(tmp_path / "s.duckdb"), "--json")
    d = json.loads(out)
    assert code == 1 and d["rows_stored"] == 3 and d["files_failed"] == 1


@pytest.mark.parametrize("args, sentence", [
    (["ingest", "police", "no/such/folder"], "the path does not exist"),
    (["ingest", "rms", "x.csv"], "needs a column mapping"),
    (["ingest", "police", "x.csv", "--area", "no_area.geojson"], "boundary file does not exist"),
])
def test_problems_are_one_sentence_and_exit_2(tmp_path, capsys, args, sentence):
    code, out, err = run(capsys, *args, "--db", str(tmp_path / "s.duckdb"))
    assert code == 2 and sentence in err and "Traceback" not in err
    assert "Fix:" in err


def test_status_of_an_empty_store(tmp_path, capsys):
    from geo.store import Store

    Store(tmp_path / "e.duckdb").close()  # made by a load that stored nothing
    code, out, _ = run(capsys, "status", "--db", str(tmp_path / "e.duckdb"))
    assert code == 0 and "is empty" in out


def test_status_refuses_a_missing_store_and_creates_nothing(tmp_path, capsys):
    code, out, err = run(capsys, "status", "--db", str(tmp_path / "typo.duckdb"))
    assert code == 2 and "There is no store at" in err and "Traceback" not in err
    assert not (tmp_path / "typo.duckdb").exists()


def test_sample_writes_and_loads(tmp_path, capsys):
    out_dir = tmp_path / "sample"
    code, out, _ = run(capsys, "sample", "--out", str(out_dir), "--months", "1", "--load",
                       "--db", str(tmp_path / "s.duckdb"), "--json")
    d = json.loads(out)
    assert code == 0 and (out_dir / ".generated").exists()
    street = sorted((out_dir / "police").rglob("*-street.csv"))
    assert len(street) == 1
    rows = sum(1 for _ in street[0].open()) - 1
    assert d["ingest"]["rows_read"] >= rows and d["ingest"]["rows_stored"] > 0.95 * rows
    code, out, _ = run(capsys, "status", "--db", str(tmp_path / "s.duckdb"), "--json")
    assert "Hertfordshire (SYNTHETIC)" in {p["force"] for p in json.loads(out)["partitions"]}


def test_district_is_the_same_as_its_boundary_file(tmp_path, capsys):
    # --district NAME (a stored district) and --area FILE (the same outline) select the same incidents
    import geopandas as gpd
    import shapely

    from geo.boundaries import Area
    from geo.crs import lonlat_to_bng
    from geo.store import Store

    f = tmp_path / "2021-06-hertfordshire-street.csv"
    f.write_text(street_csv(watford_rows(12, crime_type="Violence and sexual offences")))
    db = str(tmp_path / "s.duckdb")
    assert main(["ingest", "police", str(f), "--db", db]) == 0
    # a box around two of the four snap points (the western ones)
    x, y = lonlat_to_bng([-0.4015, -0.3985], [51.6535, 51.6585])
    box = shapely.box(x[0], y[0], x[1], y[1])
    with Store(db) as s:
        s.save_areas([Area("West Watford", box, "test")], "district")
    gpd.GeoDataFrame({"name": ["West Watford"]}, geometry=[box], crs=27700).to_file(tmp_path / "w.geojson")
    capsys.readouterr()
    outs = {}
    for how in (["--district", "west watford"], ["--area", str(tmp_path / "w.geojson")]):
        code, out, err = run(capsys, "detect", "--method", "count", "--db", db, "--json", *how)
        assert code == 0, err
        outs[how[0]] = json.loads(out)["incidents"]
        code, out, err = run(capsys, "cctv", "--cameras", "1", "--db", db, "--json", *how)
        assert code == 0, err
        outs[how[0] + " cctv"] = json.loads(out)["total"]
    # rows 1 and 2 of every 4 (points 2 and 3) lie in the box: 6 of 12
    assert outs == {"--district": 6, "--area": 6, "--district cctv": 6, "--area cctv": 6}
    code, out, err = run(capsys, "detect", "--method", "count", "--db", db, "--district", "Nowhere")
    assert code == 2 and "no district called 'Nowhere'" in err and "West Watford" in err


def test_ingest_boundaries_stores_named_districts_for_district(tmp_path, capsys):
    import geopandas as gpd
    import shapely

    gdf = gpd.GeoDataFrame({"LAD23NM": ["Alpha", "Beta"], "code": ["E1", "E2"]},
                           geometry=[shapely.box(500_000, 200_000, 502_000, 201_000),
                                     shapely.box(502_000, 200_000, 503_000, 201_000)], crs=27700)
    gdf.to_file(tmp_path / "lads.geojson")
    db = str(tmp_path / "s.duckdb")
    code, out, err = run(capsys, "ingest", "boundaries", str(tmp_path / "lads.geojson"), "--db", db, "--json")
    assert code == 0, err
    got = json.loads(out)
    assert got["areas_stored"] == 2 and got["areas"] == {"Alpha": 2.0, "Beta": 1.0}  # km², 2 km x 1 km and 1 km x 1 km
    assert got["layer_now_holds"] == ["Alpha", "Beta"]
    # loading again replaces, never doubles
    run(capsys, "ingest", "boundaries", str(tmp_path / "lads.geojson"), "--db", db)
    from geo.store import Store

    with Store(db, read_only=True) as s:
        assert s.area_names() == [("district", "Alpha"), ("district", "Beta")]
    code, out, err = run(capsys, "ingest", "boundaries", str(tmp_path / "lads.geojson"), "--db", db,
                         "--name-field", "NOPE")
    assert code == 2 and "NOPE" in err


def _ae_store(tmp_path, capsys) -> str:
    """20 police rows (2023-01) and A&E at one site: 3, 12 and 20 assaults stored in 2023-01..03, and 1, 0
    and 9 records not located ("at home")."""
    from geo.ingest.ae import ingest_ae
    from geo.store import Store
    from tests.unit.test_ae_reader import istv_csv, rec

    police = tmp_path / "2023-01-hertfordshire-street.csv"
    police.write_text(street_csv(watford_rows(20, month="2023-01")))
    db = str(tmp_path / "ae.duckdb")
    assert run(capsys, "ingest", "police", str(police), "--db", db)[0] == 0
    files = []
    for month, end, stored, not_located in (("01", "31", 3, 1), ("02", "28", 12, 0), ("03", "31", 20, 9)):
        when = dict(assault=f"2023-{month}-10 22:15", arrival=f"2023-{month}-10 23:00")
        recs = [rec(desc="AL1 1AG", **when)] * stored + [rec(desc="at home", **when)] * not_located
        p = tmp_path / f"istv-{month}.csv"
        p.write_bytes(istv_csv(recs, start=f"2023-{month}-01", end=f"2023-{month}-{end}"))
        files.append(p)
    with Store(db) as s:
        ingest_ae(files, s)
    return db


def test_status_suppresses_ae_counts_and_keeps_them_out_of_the_total(tmp_path, capsys):
    from geo.store import Store
    from hotspots.methods.ckm import MAX_MOVE
    from hotspots.methods.suppress import assert_no_small_counts, publish_counts, suppress_counts

    db = _ae_store(tmp_path, capsys)
    stored, rejected = suppress_counts([3, 12, 20]), suppress_counts([1, 0, 9])
    code, out, _ = run(capsys, "status", "--db", db, "--json")
    st = json.loads(out)
    assert code == 0
    # the total and the per-source rows are police.uk's only: A&E is reported apart, suppressed
    assert st["rows"] == 20 and st["rows_by_source"] == {"police": 20}
    # issue 16: stored A&E rows per month and their total are published perturbed (cell-key perturbation):
    # the labels are what the publication function gives for the exact counts (3, 12, 20; total 35) and the
    # key sums of their records, read here from the stored record keys
    with Store(db, read_only=True) as s:
        month_keys = dict(s.con.execute(
            "SELECT strftime(assault_at, '%Y-%m'), sum(record_key) % 65536 FROM ae_records WHERE located "
            "GROUP BY 1").fetchall())
    keys = [int(month_keys[m]) for m in ("2023-01", "2023-02", "2023-03")]
    want_rows = publish_counts([3, 12, 20], keys, hidden=stored.secondary)
    want_total = publish_counts([35], [sum(keys) % 65536])[0]
    # rows not stored have no record id: keyed by HMAC-SHA256(secret, site, "rejected", file, row), by hand here
    import hashlib
    import hmac

    with Store(db, read_only=True) as s:
        secret = bytes(s.con.execute("SELECT secret FROM ae_secret").fetchall()[0][0])
        rej = s.con.execute("SELECT force, strftime(month, '%Y-%m'), coalesce(file_key, file), \"row\" "
                            "FROM rejections WHERE source = 'ae' AND month IS NOT NULL").fetchall()
    rej_keys = {m: 0 for m in ("2023-01", "2023-02", "2023-03")}
    for force, month, f, r in rej:
        mac = hmac.new(secret, f"{force}\x1frejected\x1f{f}\x1f{r}".encode(), hashlib.sha256).digest()
        rej_keys[month] = (rej_keys[month] + int.from_bytes(mac[:8], "big")) % 65536
    rkeys = [rej_keys[m] for m in ("2023-01", "2023-02", "2023-03")]
    want_rejected = publish_counts([1, 0, 9], rkeys, hidden=rejected.secondary)
    want_rej_total = (publish_counts([10], [sum(rkeys) % 65536])[0] if isinstance(rejected.total_label(), int)
                      else rejected.total_label())
    assert st["ae"] == {"rows": want_total, "rejected": want_rej_total}
    assert abs(want_total - 35) <= MAX_MOVE
    ae = [p for p in st["partitions"] if p["source"] == "ae"]
    assert [p["month"] for p in ae] == ["2023-01", "2023-02", "2023-03"]
    assert [p["rows"] for p in ae] == want_rows and [p["rejected"] for p in ae] == want_rejected
    assert ae[0]["rows"] == "1 to 7" and abs(ae[2]["rows"] - 20) <= MAX_MOVE  # by hand: 3 is small, 20 is not
    assert st["ae_note"] == "Small numbers are hidden and others slightly adjusted to protect patients."
    assert_no_small_counts([p["rows"] for p in ae], total=st["ae"]["rows"], what="status --json stored",
                           move=MAX_MOVE)
    assert_no_small_counts([p["rejected"] for p in ae], total=st["ae"]["rejected"], what="status --json rejected")
    police = [p for p in st["partitions"] if p["source"] == "police"]
    assert police == [{"source": "police", "force": "Hertfordshire Constabulary", "month": "2023-01", "rows": 20,
                       "rejected": 0}]

    code, text, _ = run(capsys, "status", "--db", db)
    assert code == 0
    ae_lines = [line for line in text.splitlines() if line.lstrip().startswith("ae ")]
    assert len(ae_lines) == 3 and "1 to 7" in ae_lines[0]
    for line, n in zip(ae_lines, (3, 12, 1)):  # no small (or secondary-suppressed) count printed as a number
        assert f" {n} " not in f" {line} "
    assert "Total: 20 incidents stored, 0 rows rejected" in text
    assert (f"A&E assaults, apart from the total: stored {want_total}; "
            f"rows rejected {rejected.total_label()}.") in text
    assert "Small numbers are hidden and others slightly adjusted to protect patients." in text
