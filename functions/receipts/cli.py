"""``ttr receipt <ID>``: print the receipt link of a row (a client's ID gives the client's statement)."""

from __future__ import annotations

import click

from functions.errors import TTRError


@click.command("receipt")
@click.argument("row_id")
@click.option("--workbook", "-w", help="Classeur : fichier .xlsx ou URL Google Sheets (défaut : TTR_WORKBOOK).")
@click.option("--state", "-s", help="État privé : fichier SQLite ou « firestore » (défaut : TTR_STATE).")
@click.option("--renouveler", "renew", is_flag=True,
              help="Révoquer le lien actuel (il ne fonctionnera plus) et en créer un nouveau.")
def receipt(row_id: str, workbook: str | None, state: str | None, renew: bool) -> None:
    """Afficher le lien du reçu d'une ligne (Caisse, Prestations) ou du relevé d'un client, en le créant au
    besoin (le lien est alors écrit dans la colonne « Reçu »)."""
    from functions.config import Config, open_business
    from functions.receipts.hooks import link_for

    config = Config.from_env()
    if workbook:
        config.workbook = workbook
    if state:
        config.state = state
    try:
        click.echo(link_for(open_business(config), row_id, config.public_url, renew=renew))
    except TTRError as exc:
        raise click.ClickException(exc.message) from None
