"""``ttr rapport``: the Rapports figures of a period in the terminal, or as a file (.xlsx, CSV, PDF)."""

from __future__ import annotations

from pathlib import Path

import click


@click.command("rapport")
@click.option("--periode", default="this_month", show_default=True,
              help="this_month, last_month, this_year, all… (ou mois, mois-dernier, annee), ou AAAA-MM-JJ:AAAA-MM-JJ.")
@click.option("--format", "fmt", type=click.Choice(["texte", "xlsx", "csv", "pdf"]), default="texte",
              show_default=True, help="Texte à l'écran, ou un fichier.")
@click.option("--sortie", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Fichier à écrire (défaut : rapport-<début>-<fin>.<format> dans le dossier courant).")
@click.option("--workbook", "-w", default=None, help="Classeur : fichier .xlsx ou URL Google Sheets (défaut : TTR_WORKBOOK).")
def rapport(periode: str, fmt: str, sortie: Path | None, workbook: str | None) -> None:
    """Rapport d'une période : chiffre d'affaires, dépenses, résultat, caisse, impayés, stock, occupation."""
    from functions.config import Config, open_business
    from functions.reports import exports, figures, history, periods, view

    config = Config.from_env()
    if workbook:
        config.workbook = workbook
    biz = open_business(config)
    today = biz.now().date()
    start, sep, end = periode.partition(":")
    p = periods.period(None, today, start, end) if sep else periods.period(periode, today)
    book = biz.book()
    report = figures.compute(history.period_book(biz, p.start, book), p, today)  # closed years: their archives
    if fmt == "texte":
        click.echo(f"{report.business} — {exports.title(report)}")
        for t in view.tables(report):
            if not t["rows"]:
                continue
            click.echo(f"\n{t['title']}")
            for row in t["rows"]:
                click.echo("  " + " · ".join(view.cell(v, t["kinds"][i], report.currency) for i, v in enumerate(row)))
        return
    target = sortie or Path(exports.filename(report, fmt))
    target.write_bytes(exports.export(report, fmt, book.settings))
    click.echo(f"Rapport écrit : {target}")
