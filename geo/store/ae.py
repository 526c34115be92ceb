"""The A&E companion tables of the store: records, saved fixes, venues, and the A&E incidents kept in step.

``ae_records``
    One row per valid ISTV record, located or not, with its free text and how it was placed.
``ae_fixes``
    A person's answer for a description the geocoder could not place (key: the description's matching form).
``ae_venues``
    The last venue gazetteer loaded.
``ae_secret``
    One random secret per store (``secrets.token_bytes``), made once: the key of the records' HMACs.

Record keys (cell-key perturbation, ``hotspots.methods.ckm``): each record's ``record_key`` is
HMAC-SHA256(the store's secret, its site and id) as a whole number 0..65,535 (``AE_RECORD_KEY_MAX``; the
range is kept in ``meta``, and keys drawn for an older range are drawn again on the next writable open). The id is
the ISTV reader's canonical hash of the record's own fields (``geo.readers.ae.record_ids``; ISTV has no id of
its own), never a row number, so reloading a file gives every record the same key. Keys are filled in the
file's own transaction (``fill_ae_record_keys``, from the loader's ``after_write``), and a store made before
keys existed gets its keys the first time its A&E tables are opened for writing. Keys never leave the
store: ``ae_key_sums`` and ``ae_partition_keys`` return only their sums per published cell (modulo 65,536).

The A&E rows of ``incidents`` are always exactly the located ``ae_records`` (one per site and id):
``sync_ae_incidents`` deletes the stale ones and adds the missing ones, placing them with a callback the
loader gives (the store holds no geocoding). It runs inside each A&E file's transaction (the file's
``LoadUnit.after_write``) and inside ``save_ae_fix``'s.

The methods here are mixed into ``geo.store.core.Store``; they use its connection and transactions.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Callable

import pandas as pd
import pyarrow as pa

from geo.constants import AE_CATEGORY, AE_RECORD_KEY_MAX, AE_RECORD_KEY_RANGE_META, SOURCE_AE
from geo.errors import StoreError

__all__ = ["AE_FIXES_DDL", "AE_RECORDS_DDL", "AE_SECRET_DDL", "AE_VENUES_DDL", "AeTables", "Placer",
           "ae_record_key"]

AE_RECORDS_DDL = """CREATE TABLE IF NOT EXISTS ae_records (
  file_key VARCHAR, force VARCHAR, month DATE, id VARCHAR, source_file VARCHAR, source_row INTEGER,
  assault_at TIMESTAMP, arrival_at TIMESTAMP, method_code VARCHAR, method VARCHAR, weapon_class VARCHAR,
  method_other VARCHAR, location_type_code VARCHAR, location_type VARCHAR, description VARCHAR,
  precision VARCHAR, confidence DOUBLE, matched VARCHAR, easting DOUBLE, northing DOUBLE, located BOOLEAN,
  load_id INTEGER, record_key INTEGER)"""
AE_SECRET_DDL = "CREATE TABLE IF NOT EXISTS ae_secret (secret BLOB NOT NULL)"
AE_FIXES_DDL = """CREATE TABLE IF NOT EXISTS ae_fixes (
  key VARCHAR PRIMARY KEY, postcode VARCHAR, venue VARCHAR, easting DOUBLE, northing DOUBLE,
  precision VARCHAR, label VARCHAR, saved_at TIMESTAMP)"""
AE_VENUES_DDL = """CREATE TABLE IF NOT EXISTS ae_venues (
  name VARCHAR, town VARCHAR, postcode VARCHAR, easting DOUBLE, northing DOUBLE, source_file VARCHAR)"""

#: ``placer(missing)``: the located records without an incident (``id, force, weapon_class, assault_at,
#: easting, northing, source_file, source_row, load_id``) -> their incident rows as an Arrow table with
#: ``id, force, subcategory, occurred_at, lon, lat, easting, northing, h3_11, weapon, source_file,
#: source_row, load_id`` (records that cannot be placed on the grid left out).
Placer = Callable[[pd.DataFrame], pa.Table]

VENUE_COLUMNS = ["name", "town", "postcode", "easting", "northing"]
FIX_COLUMNS = ["key", "postcode", "venue", "easting", "northing", "precision", "label", "saved_at"]

_SYNC_DELETE = """
DELETE FROM incidents WHERE source = 'ae' AND NOT EXISTS (
  SELECT 1 FROM ae_records r WHERE r.located AND r.force = incidents.force AND r.id = incidents.id);
DELETE FROM incidents WHERE source = 'ae' AND rowid IN (
  SELECT rowid FROM (SELECT rowid, row_number() OVER (PARTITION BY force, id ORDER BY load_id DESC, rowid DESC) AS k
                     FROM incidents WHERE source = 'ae') WHERE k > 1);
"""
_MISSING = """
SELECT DISTINCT ON (r.force, r.id) r.id, r.force, r.weapon_class, r.assault_at, r.easting, r.northing,
       r.source_file, r.source_row, r.load_id
FROM ae_records r
WHERE r.located AND NOT EXISTS (SELECT 1 FROM incidents i WHERE i.source = 'ae' AND i.force = r.force AND i.id = r.id)
  AND ({scope})
ORDER BY r.force, r.id, r.load_id DESC
"""
#: Records whose (site, assault month) is one of a list of ``site|YYYY-MM`` keys.
_PARTITION_SCOPE = "r.force || '|' || strftime(r.assault_at, '%Y-%m') IN (SELECT unnest(?))"
#: Records whose description is one of a list.
_DESCRIPTION_SCOPE = "r.description IN (SELECT unnest(?))"


#: The records' keys, one per site and id (every row of a record has the same key).
_KEYS = "(SELECT force, id, any_value(record_key) AS record_key FROM ae_records GROUP BY force, id)"


def ae_record_key(secret: bytes, site: str, record_id: str) -> int:
    """A record's key: HMAC-SHA256(secret, site and id), its first 8 bytes modulo 65,536 (0..65,535, unbiased).

    >>> rid = "ae:0123456789abcdef"
    >>> k = ae_record_key(b"k" * 32, "RWH01", rid)
    >>> k == ae_record_key(b"k" * 32, "RWH01", rid), k == ae_record_key(b"j" * 32, "RWH01", rid)
    (True, False)
    >>> 0 <= ae_record_key(b"k" * 32, "RWH01", "ae:1") <= 65535
    True
    """
    mac = hmac.new(bytes(secret), f"{site}\x1f{record_id}".encode("utf-8"), hashlib.sha256).digest()
    return int.from_bytes(mac[:8], "big") % (AE_RECORD_KEY_MAX + 1)


class AeTables:
    """The A&E tables' methods of ``Store`` (a mixin: ``self.con``, ``self.transaction`` come from Store)."""

    def ensure_ae_tables(self) -> None:
        """Create the A&E companion tables (once); removing the A&E source removes its records too."""
        self.ensure_side_table("ae_records", AE_RECORDS_DDL, source=SOURCE_AE)
        self.ensure_side_table("ae_fixes", AE_FIXES_DDL)
        self.ensure_side_table("ae_venues", AE_VENUES_DDL)
        if not self.read_only:
            self.migrate_ae_record_keys()

    # -- record keys (cell-key perturbation) ------------------------------------------------------------------
    def migrate_ae_record_keys(self) -> int:
        """A store made before record keys: add the column and the secret, then give every record its key.

        Writes nothing when every record has its key (run on every writable open, and by
        ``ensure_ae_tables``). Returns how many records were given a key.
        """
        if not self.has_table("ae_records"):
            return 0
        if self._has_key_column() and self.has_table("ae_secret") and self._keys_current() and not \
                self.con.execute("SELECT count(*) FROM ae_records WHERE record_key IS NULL").fetchall()[0][0]:
            return 0
        self.con.execute(AE_SECRET_DDL)
        self.con.execute("ALTER TABLE ae_records ADD COLUMN IF NOT EXISTS record_key INTEGER")
        if not self._keys_current():  # keys drawn for another range (0..255 before): draw them again
            self.con.execute("UPDATE ae_records SET record_key = NULL")
        return self.fill_ae_record_keys()

    def _keys_current(self) -> bool:
        """Whether the stored keys are of this version's range (or there are none to be of another)."""
        if self.meta(AE_RECORD_KEY_RANGE_META) == str(AE_RECORD_KEY_MAX + 1):
            return True
        return not self._has_key_column() or not self.con.execute(
            "SELECT count(*) FROM ae_records WHERE record_key IS NOT NULL").fetchall()[0][0]

    def _has_key_column(self) -> bool:
        return bool(self.con.execute("SELECT count(*) FROM information_schema.columns WHERE table_name = "
                                     "'ae_records' AND column_name = 'record_key'").fetchall()[0][0])

    def _check_keys(self, missing: int) -> None:
        if missing or not self._keys_current():
            raise StoreError(f"The A&E records in {self.path} have no record keys of this version yet (the store was "
                             "made by an older version of Hotspots), so their counts cannot be published safely.",
                             f"Run python -m hotspots status --db {self.path} once as a user who can write it.")

    def _ae_secret(self) -> bytes:
        """The store's secret for record keys, made once (32 random bytes)."""
        rows = self.con.execute("SELECT secret FROM ae_secret LIMIT 1").fetchall()
        if rows:
            return bytes(rows[0][0])
        secret = secrets.token_bytes(32)
        self.con.execute("INSERT INTO ae_secret VALUES (?)", [secret])
        return secret

    def fill_ae_record_keys(self) -> int:
        """Give every record without a key its key (in the open transaction, if any); returns how many."""
        todo = self.con.execute("SELECT DISTINCT force, id FROM ae_records WHERE record_key IS NULL").fetchall()
        if self.meta(AE_RECORD_KEY_RANGE_META) != str(AE_RECORD_KEY_MAX + 1):
            self.set_meta(AE_RECORD_KEY_RANGE_META, str(AE_RECORD_KEY_MAX + 1))
        if not todo:
            return 0
        secret = self._ae_secret()
        keys = pa.table({"force": pa.array([f for f, _ in todo], pa.string()),
                         "id": pa.array([i for _, i in todo], pa.string()),
                         "record_key": pa.array([ae_record_key(secret, f, i) for f, i in todo], pa.int32())})
        with self.registered("u_ae_keys", keys):
            self.con.execute("UPDATE ae_records SET record_key = k.record_key FROM u_ae_keys k "
                             "WHERE ae_records.record_key IS NULL AND ae_records.force IS NOT DISTINCT FROM k.force "
                             "AND ae_records.id IS NOT DISTINCT FROM k.id")
        return len(todo)

    def ae_key_sums(self, members: pd.DataFrame) -> pd.DataFrame:
        """Per published cell: how many records and their cell key (sum of record keys modulo 256).

        Parameters
        ----------
        members : DataFrame
            ``force, id, cell``: the A&E incidents a published output counts, and the cell (any text: a
            hexagon, ``"total"``) each is counted in. An incident may be in several cells.

        Returns
        -------
        DataFrame
            ``cell, records, cell_key``, one row per cell named in ``members``. A record without a key (a
            read-only store made before keys) counts with key 0.
        """
        if members.empty or not self.has_table("ae_records"):
            return pd.DataFrame({"cell": members["cell"].unique() if len(members) else [],
                                 "records": 0, "cell_key": 0})
        if not self._has_key_column():
            self._check_keys(len(members))
        rows = pa.table({"force": pa.array(members["force"].astype(str).tolist(), pa.string()),
                         "id": pa.array(members["id"].astype(str).tolist(), pa.string()),
                         "cell": pa.array(members["cell"].astype(str).tolist(), pa.string())})
        with self.registered("u_ae_members", rows):
            out = self.con.execute(
                f"SELECT m.cell, count(*)::BIGINT AS records, "
                f"(coalesce(sum(k.record_key), 0) % {AE_RECORD_KEY_MAX + 1})::INTEGER AS cell_key, "
                f"count(*) FILTER (WHERE k.id IS NOT NULL AND k.record_key IS NULL)::BIGINT AS unkeyed "
                f"FROM u_ae_members m LEFT JOIN {_KEYS} k ON k.force = m.force AND k.id = m.id "
                f"GROUP BY m.cell ORDER BY m.cell").df()
        self._check_keys(int(out["unkeyed"].sum()))
        return out.drop(columns="unkeyed")

    def ae_partition_keys(self) -> pd.DataFrame:
        """The cell keys of each A&E partition: ``force, month`` (YYYY-MM), ``rows``, ``cell_key`` (of its
        stored records), ``rejected``, ``rejected_key`` (of its rows not stored).

        A row not stored has no record id: its key is the HMAC of the store's secret and the row's place (the
        file's base name and the row's number in it), the same on every reload of that file.
        """
        cols = ["force", "month", "rows", "cell_key", "rejected", "rejected_key"]
        if not self.has_table("ae_records"):
            return pd.DataFrame(columns=cols)
        if not self._has_key_column():
            self._check_keys(self.source_count(SOURCE_AE))
        out = self.con.execute(
            f"SELECT i.force, strftime(i.month, '%Y-%m') AS month, count(*)::BIGINT AS rows, "
            f"(coalesce(sum(k.record_key), 0) % {AE_RECORD_KEY_MAX + 1})::INTEGER AS cell_key, "
            f"count(*) FILTER (WHERE k.id IS NOT NULL AND k.record_key IS NULL)::BIGINT AS unkeyed "
            f"FROM incidents i LEFT JOIN {_KEYS} k ON k.force = i.force AND k.id = i.id "
            f"WHERE i.source = '{SOURCE_AE}' GROUP BY ALL ORDER BY 1, 2").df()
        self._check_keys(int(out["unkeyed"].sum()))
        out = out.drop(columns="unkeyed")
        rej = self.con.execute(
            "SELECT force, strftime(month, '%Y-%m') AS month, coalesce(file_key, file) AS f, \"row\" "
            f"FROM rejections WHERE source = '{SOURCE_AE}' AND month IS NOT NULL").df()
        if len(rej):
            secret = self._ae_secret_for_reading()
            rej["key"] = [ae_record_key(secret, str(f), f"rejected\x1f{fk}\x1f{r}")
                          for f, fk, r in zip(rej["force"], rej["f"], rej["row"])]
            g = rej.groupby(["force", "month"], as_index=False, dropna=False).agg(
                rejected=("key", "size"), rejected_key=("key", "sum"))
            g["rejected_key"] = g["rejected_key"] % (AE_RECORD_KEY_MAX + 1)
            out = out.merge(g, on=["force", "month"], how="outer")
        else:
            out = out.assign(rejected=0, rejected_key=0)
        out = out.fillna({"rows": 0, "cell_key": 0, "rejected": 0, "rejected_key": 0})
        return out.astype({c: "int64" for c in cols[2:]})[cols].sort_values(["force", "month"], ignore_index=True)

    def _ae_secret_for_reading(self) -> bytes:
        """The store's secret; made if missing and the store is writable. A read-only store without one (only
        rejected A&E rows were ever loaded, by an older version) keys with a fixed text, stable but public."""
        if self.has_table("ae_secret"):
            rows = self.con.execute("SELECT secret FROM ae_secret LIMIT 1").fetchall()
            if rows:
                return bytes(rows[0][0])
        if self.read_only:
            return b"hotspots: no secret in this store"
        self.con.execute(AE_SECRET_DDL)
        return self._ae_secret()

    def has_table(self, name: str) -> bool:
        """Whether the store has a table of that name."""
        return bool(self.con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = ?",
                                     [name]).fetchall()[0][0])

    # -- fixes and venues -------------------------------------------------------------------------------------
    def ae_fixes(self) -> pd.DataFrame:
        """The saved fixes, newest first (``FIX_COLUMNS``)."""
        if not self.has_table("ae_fixes"):
            return pd.DataFrame(columns=FIX_COLUMNS)
        return self.con.execute(f"SELECT {', '.join(FIX_COLUMNS)} FROM ae_fixes ORDER BY saved_at DESC, key").df()

    def ae_venues(self) -> pd.DataFrame:
        """The venue gazetteer kept in the store (``name, town, postcode, easting, northing``)."""
        if not self.has_table("ae_venues"):
            return pd.DataFrame(columns=VENUE_COLUMNS)
        return self.con.execute(f"SELECT {', '.join(VENUE_COLUMNS)} FROM ae_venues ORDER BY town, name").df()

    def replace_ae_venues(self, venues: pd.DataFrame, source_file: str) -> None:
        """Replace the stored gazetteer (one transaction)."""
        self.ensure_ae_tables()
        rows = pa.Table.from_pandas(venues.assign(source_file=source_file)[[*VENUE_COLUMNS, "source_file"]],
                                    preserve_index=False)
        with self.transaction("save the venue gazetteer") as c:
            c.execute("DELETE FROM ae_venues")
            with self.registered("u_venues", rows):
                c.execute("INSERT INTO ae_venues SELECT * FROM u_venues")

    def ae_descriptions(self) -> list[str]:
        """The distinct non-blank descriptions of the stored records."""
        if not self.has_table("ae_records"):
            return []
        return [d for (d,) in self.con.execute(
            "SELECT DISTINCT description FROM ae_records WHERE description IS NOT NULL ORDER BY 1").fetchall()]

    def save_ae_fix(self, key: str, *, postcode: str | None, venue: str | None, easting: float, northing: float,
                    precision: str, label: str, descriptions: list[str], placer: Placer) -> tuple[int, int]:
        """Save a fix and move the records with those descriptions to it, in one transaction.

        The records' not-located listings go, and their incidents are rebuilt at the new point.

        Returns
        -------
        (records, moved)
            Records with the descriptions, and how many of them were not located before.
        """
        self.ensure_ae_tables()
        with self.transaction("save the place") as c:
            c.execute("INSERT OR REPLACE INTO ae_fixes VALUES (?, ?, ?, ?, ?, ?, ?, current_timestamp)",
                      [key, postcode, venue, easting, northing, precision, label])
            records = moved = 0
            if descriptions:
                records, moved = c.execute(
                    "SELECT count(*), count(*) FILTER (WHERE NOT located) FROM ae_records "
                    "WHERE description IN (SELECT unnest(?))", [descriptions]).fetchall()[0]
                c.execute("UPDATE ae_records SET easting = ?, northing = ?, precision = ?, confidence = 1.0, "
                          "matched = ?, located = TRUE WHERE description IN (SELECT unnest(?))",
                          [easting, northing, precision, label, descriptions])
                # the records' listings: by file and row (a listed value keeps only its first characters)
                c.execute("""DELETE FROM rejections WHERE source = ? AND reason = 'not_located' AND EXISTS (
                    SELECT 1 FROM ae_records r WHERE r.description IN (SELECT unnest(?))
                      AND r.source_file = rejections.file AND r.source_row = rejections."row"
                      AND r.force = rejections.force AND starts_with(r.description, rejections.value))""",
                          [SOURCE_AE, descriptions])
                c.execute("DELETE FROM incidents WHERE source = 'ae' AND EXISTS (SELECT 1 FROM ae_records r "
                          "WHERE r.force = incidents.force AND r.id = incidents.id "
                          "AND r.description IN (SELECT unnest(?)))", [descriptions])
                self.sync_ae_incidents(placer, descriptions=descriptions)
        return int(records), int(moved)

    def drop_ae_fixes(self) -> int:
        """Forget every saved fix; returns how many there were."""
        if not self.has_table("ae_fixes"):
            return 0
        with self.transaction("forget the saved places") as c:
            n = int(c.execute("SELECT count(*) FROM ae_fixes").fetchall()[0][0])
            c.execute("DELETE FROM ae_fixes")
        return n

    # -- what the Data page shows -----------------------------------------------------------------------------
    def ae_match_rate(self, precisions: tuple[str, ...]) -> pd.DataFrame:
        """Records per site: ``site, records, located, not_located`` and a count per precision."""
        if not self.has_table("ae_records"):
            return pd.DataFrame()
        per = ", ".join("count(*) FILTER (WHERE located AND precision = ?)::BIGINT" for _ in precisions)
        df = self.con.execute(
            "SELECT force AS site, count(*)::BIGINT AS records, count(*) FILTER (WHERE located)::BIGINT AS located, "
            "count(*) FILTER (WHERE NOT located)::BIGINT AS not_located" + (", " + per if per else "")
            + " FROM ae_records GROUP BY force ORDER BY force", list(precisions)).df()
        return df.set_axis(["site", "records", "located", "not_located", *precisions], axis=1)

    def ae_unlocated(self) -> pd.DataFrame:
        """Records not located, counted by description and site: ``description`` ('' for blank), ``force``,
        ``n``."""
        if not self.has_table("ae_records"):
            return pd.DataFrame(columns=["description", "force", "n"])
        return self.con.execute("SELECT coalesce(description, '') AS description, force, count(*)::BIGINT AS n "
                                "FROM ae_records WHERE NOT located GROUP BY ALL ORDER BY 1, 2").df()

    # -- keeping incidents in step with the records -----------------------------------------------------------
    def sync_ae_incidents(self, placer: Placer, *, partitions: list[str] | None = None,
                          descriptions: list[str] | None = None) -> int:
        """A&E incidents := the located records (one per site and id); returns the incidents added.

        Incidents without a located record, and repeats of one, are deleted everywhere; missing ones are
        added only for the records in ``partitions`` (``site|YYYY-MM`` keys of the assault month) or with
        ``descriptions``, else for every record. (Records of partitions removed on the Data page are then
        not brought back by a later load of other months.) Runs in the open transaction, else in its own.
        """
        if not self.has_table("ae_records"):
            return 0
        if partitions is not None:
            scope, params = _PARTITION_SCOPE, [sorted(partitions)]
        elif descriptions is not None:
            scope, params = _DESCRIPTION_SCOPE, [list(descriptions)]
        else:
            scope, params = "TRUE", []
        with self.transaction("bring the A&E incidents up to date") as c:
            c.execute(_SYNC_DELETE)
            missing = c.execute(_MISSING.format(scope=scope), params).df()
            if missing.empty:
                return 0
            rows = placer(missing)
            if rows.num_rows == 0:
                return 0
            with self.registered("u_ae_sync", rows):
                c.execute(f"""INSERT INTO incidents (id, source, force, category, subcategory, month, occurred_at,
                    time_precision, lon, lat, easting, northing, h3_11, weapon, source_file, source_row, load_id)
                    SELECT id, '{SOURCE_AE}', force, '{AE_CATEGORY}', subcategory,
                           date_trunc('month', occurred_at)::DATE, occurred_at, 'minute', lon, lat, easting,
                           northing, h3_11, weapon, source_file, source_row, load_id
                    FROM u_ae_sync""")
            return rows.num_rows
