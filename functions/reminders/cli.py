"""``ttr remind``: run the reminders now and print what was (or, with ``--dry-run``, would be) sent."""

from __future__ import annotations

import sys

import click

from functions.errors import TTRError


@click.command("remind")
@click.option("--workbook", "-w", help="Classeur : fichier .xlsx ou URL Google Sheets (défaut : TTR_WORKBOOK).")
@click.option("--state", "-s", help="État privé : fichier SQLite ou « firestore » (défaut : TTR_STATE).")
@click.option("--dry-run", is_flag=True, help="Montrer les messages sans rien envoyer ni écrire.")
@click.option("--date", "day_text", metavar="AAAA-MM-JJ",
              help="Envoyer les rappels de ce jour maintenant (sans attendre l'heure des rappels).")
def remind(workbook: str | None, state: str | None, dry_run: bool, day_text: str | None) -> None:
    """Envoyer les rappels du jour (Agenda, stock bas, soldes, résumé du matin), une seule fois chacun."""
    from functions.config import Config, open_business
    from functions.reminders.entry import parse_day
    from functions.reminders.run import run

    try:
        config = Config.from_env()
        if workbook:
            config.workbook = workbook
        if state:
            config.state = state
        day = parse_day(day_text)
        summary = run(open_business(config), day=day, dry_run=dry_run, env=config.env)
    except TTRError as exc:
        from functions.cli import FrenchError

        raise FrenchError(exc.message) from None
    for line in summary.lines():
        click.echo(line)
    if summary.failures:
        sys.exit(1)
