"""``ttr facture ID [--proforma]``: issue the proforma or the invoice of a prestation or a sale, print its link."""

from __future__ import annotations

import click

from functions.errors import TTRError


@click.command("facture")
@click.argument("row_id")
@click.option("--proforma", is_flag=True, help="Une facture proforma (devis, série PF) au lieu de la facture.")
@click.option("--fne", default="", help="Numéro FNE de cette facture, si elle a été certifiée (Côte d'Ivoire).")
@click.option("--annuler", "cancel", metavar="NUMERO",
              help="Annuler la facture NUMERO (ex. F-2026-00001) par une facture d'avoir ; ID sert de motif.")
@click.option("--workbook", "-w", help="Classeur : fichier .xlsx ou URL Google Sheets (défaut : TTR_WORKBOOK).")
@click.option("--state", "-s", help="État privé : fichier SQLite ou « firestore » (défaut : TTR_STATE).")
def facture(row_id: str, proforma: bool, fne: str, cancel: str | None, workbook: str | None,
            state: str | None) -> None:
    """Émettre la facture (numérotée sans trou par année) ou la facture proforma d'une prestation ou d'une
    vente, et afficher son numéro et son lien. Une facture déjà émise est affichée telle quelle."""
    from functions.cli import _config
    from functions.config import open_business
    from functions.invoices import issue, store

    config = _config(workbook, state)
    try:
        biz = open_business(config)
        if cancel:
            invoice = issue.find_by_number(biz, cancel)
            if invoice is None:
                raise click.ClickException(f"Facture « {cancel} » introuvable.")
            document = issue.cancel(biz, invoice.id, "ttr (ligne de commande)", row_id)
        elif proforma:
            document = issue.proforma(biz, row_id, "ttr (ligne de commande)")
        else:
            document = issue.confirm(biz, row_id, "ttr (ligne de commande)", fne)
    except TTRError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(f"{store.TITLES[document.kind]} {document.number} : {store.link(config.public_url, document.id)}")
