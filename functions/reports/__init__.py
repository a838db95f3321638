"""Rapports: the business over a period, computed from the ledgers by ``books``' rules.

    periods.py   named periods (this month, last month, this year…) and custom dates
    frames.py    the ledgers as pandas frames (pandas is imported here, lazily, and nowhere else)
    figures.py   ``compute(book, period, now) -> Report``: every figure of the page, the exports and TRIX
    ageing.py    unpaid balances by age (0–30, 31–60, 61–90, 90+ days), as of any date
    charts.py    inline SVG charts (no JavaScript), with a title and a table alternative
    exports.py   .xlsx, CSV and PDF
    text.py      French labels and number formats shared by the page and the exports

Importing this package imports neither pandas nor openpyxl: receipts, quick sales, reminders and the sync
never pay for them.
"""

from __future__ import annotations
