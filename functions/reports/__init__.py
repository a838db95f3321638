"""Rapports: the business over a period, computed from the ledgers by ``books``' rules.

    periods.py   named periods (this month, last month, this year…) and custom dates
    frames.py    the ledgers as pandas frames (pandas is imported here, lazily, and nowhere else)
    figures.py   ``compute(book, period, now) -> Report``: every figure of the page, the exports and TRIX
    ageing.py    unpaid balances by age (0–30, 31–60, 61–90, 90+ days), as of any date
    assets.py    stock value and movers, occupancy of rooms, investment returns
    charts.py    inline SVG charts (no JavaScript), with a title and a table alternative
    view.py      the sections, charts and key figures the page, the exports and TRIX share;
                 ``dashboard_trend`` (the dashboard's last-30-days chart)
    exports.py   .xlsx and CSV; pdf.py the printable A4 PDF
    text.py      French labels and number formats shared by the page and the exports
    cli.py       ``ttr rapport``

Importing this package imports neither pandas nor openpyxl: receipts, quick sales, reminders and the sync
never pay for them.
"""

from __future__ import annotations
