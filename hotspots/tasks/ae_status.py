"""What the store holds of A&E data, as it may be published: ``status``, the overview, the projected Data page.

The stored and rejected A&E rows of each partition (hospital site x month), of each month over the sites
shown, and their totals are A&E counts like any other (issue 16): a small one is hidden ("1 to 7"), the
rest are perturbed by their records' cell keys (``hotspots.methods.suppress.publish_counts``), and a total
is a cell of its own with its own key sum (never the sum of perturbed parts). So ``status`` before and after
a small load, or two months' rows against their total, no longer give a small count by subtraction.

A partition's cell key is the sum of its records' keys modulo 65,536 (``Store.ae_partition_keys``); the key
of several partitions together (a month over all sites, the total) is the sum of their keys modulo 65,536,
which is exactly the key sum of all their records.

Examples
--------
>>> from geo.store import Store
>>> with Store(":memory:") as s:
...     published_ae_status(s).partitions.columns.tolist()
['force', 'month', 'rows', 'rejected']
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from geo.store import Store
from hotspots.methods.ckm import cell_key
from hotspots.methods.suppress import publish_counts, published_small, suppress_counts
from hotspots.tasks.overlay import PROTECTION_NOTE

__all__ = ["PublishedAeStatus", "published_ae_status"]


@dataclass
class PublishedAeStatus:
    """Stored and rejected A&E rows as they may be published.

    Attributes
    ----------
    partitions : DataFrame
        ``force`` (hospital site), ``month`` (YYYY-MM), ``rows``, ``rejected``: each an int (perturbed when
        above the threshold), ``"1 to 7"`` or ``"suppressed"``.
    by_month : DataFrame
        ``month, rows``: stored rows per month over the chosen sites, published the same way; their total is
        ``totals["rows"]`` (a view may show it or not), so a larger month is hidden (``"suppressed"``) where
        the total would narrow a small one.
    totals : dict
        ``rows``, ``rejected``: over every partition, each a cell of its own.
    note : str
        The one line every view showing these numbers carries.
    """

    partitions: pd.DataFrame
    by_month: pd.DataFrame
    totals: dict = field(default_factory=dict)
    note: str = PROTECTION_NOTE

    @property
    def empty(self) -> bool:
        return not len(self.partitions)


def published_ae_status(store: Store, sites=None) -> PublishedAeStatus:
    """The A&E rows of the store as they may be published.

    Parameters
    ----------
    store : Store
    sites : sequence of str, optional
        The hospital sites counted in ``by_month`` and the totals (default: every site). ``partitions`` lists
        only these sites too.

    Returns
    -------
    PublishedAeStatus
    """
    keys = store.ae_partition_keys()
    if sites is not None:
        keys = keys.loc[keys["force"].isin(list(sites))]
    keys = keys.loc[(keys["rows"] > 0) | (keys["rejected"] > 0)].reset_index(drop=True)
    if not len(keys):
        empty = pd.DataFrame(columns=["force", "month", "rows", "rejected"])
        return PublishedAeStatus(empty, pd.DataFrame(columns=["month", "rows"]), {})
    parts = keys[["force", "month"]].copy()
    totals = {}
    for col, key in (("rows", "cell_key"), ("rejected", "rejected_key")):
        n = keys[col].to_numpy(dtype=np.int64)
        # a partition's count is published with the total over partitions: secondary suppression protects the
        # small ones from it, and the total itself is perturbed as its own cell
        sup = suppress_counts(n, primary=published_small(n, keys[key].to_numpy()))
        parts[col] = pd.Series(publish_counts(n, keys[key].to_numpy(), hidden=sup.secondary), dtype=object)
        total = sup.total_label()
        totals[col] = publish_counts([int(n.sum())], [cell_key(keys[key])])[0] if isinstance(total, int) else total
    stored = keys.loc[keys["rows"] > 0]
    months = stored.groupby("month", as_index=False).agg(rows=("rows", "sum"), key=("cell_key", "sum"))
    # the months add up to the total ``status`` publishes: protected from it as the partitions are
    n = months["rows"].to_numpy(dtype=np.int64)
    sup = suppress_counts(n, primary=published_small(n, months["key"].to_numpy()))
    by_month = pd.DataFrame({"month": months["month"],
                             "rows": pd.Series(publish_counts(n, months["key"].to_numpy(), hidden=sup.secondary),
                                               dtype=object)})
    return PublishedAeStatus(parts, by_month, totals)
