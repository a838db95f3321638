"""``ttr promo check CODE``: check a promo code with ABT and, when it is valid, save it in Paramètres."""

from __future__ import annotations

import os
import secrets

import click

from functions.errors import TTRError
from functions.promo import service
from functions.promo.client import AbtClient
from functions.promo.config import PromoSettings
from functions.promo.setting import save_promo_code


def local_business_id(biz: object) -> str:
    """This workbook's id for ABT: generated once into the state store, then stable."""
    state = biz.state  # type: ignore[attr-defined]
    state.create("promo", "business_id", {"id": "ttr-" + secrets.token_hex(8)})
    doc = state.get("promo", "business_id")
    assert doc is not None
    return str(doc["id"])


class PromoCliError(click.ClickException):
    def show(self, file: object = None) -> None:
        click.echo(f"Erreur : {self.format_message()}", err=True)


@click.group()
def promo() -> None:
    """Codes promo TTR Ambassadeur (ABT)."""


@promo.command("check")
@click.argument("code")
@click.option("--workbook", "-w", help="Classeur : fichier .xlsx ou URL Google Sheets (défaut : TTR_WORKBOOK).")
@click.option("--state", "-s", help="État privé : fichier SQLite ou « firestore » (défaut : TTR_STATE).")
@click.option("--business-id", help="Identifiant de l'entreprise chez ABT (défaut : celui de ce classeur).")
@click.option("--sans-enregistrer", "dry_run", is_flag=True, help="Vérifier seulement, sans l'écrire dans Paramètres.")
def check(code: str, workbook: str | None, state: str | None, business_id: str | None, dry_run: bool) -> None:
    """Vérifier CODE auprès de TTR Ambassadeur et l'enregistrer dans Paramètres s'il est valide."""
    from functions.config import Config, open_business

    try:
        normalized = service.normalize_code(code)
        settings = PromoSettings.from_env(dict(os.environ))
        upstream = settings.upstream()
        config = Config.from_env()
        config.workbook = workbook or config.workbook
        config.state = state or config.state
        biz = open_business(config)
        book = biz.load(["settings"])
        bid = service.business_id(business_id) if business_id else local_business_id(biz)
        name = book.settings.get("business_name", "")
        email = book.settings.get("email", "")
        if email and not service.EMAIL.match(email):
            email = ""
        result = service.check_code(AbtClient(upstream), bid, normalized, name[:120], email)
        click.echo(result.answer["message"])
        if not result.valid:
            click.get_current_context().exit(1)
        if dry_run:
            click.echo("(non enregistré : --sans-enregistrer)")
        elif save_promo_code(biz, normalized, "ttr (ligne de commande)"):
            click.echo(f"Enregistré dans « {book.title('settings')} » : Code promo appliqué = {normalized}")
        else:
            click.echo(f"Déjà enregistré dans « {book.title('settings')} ».")
    except TTRError as exc:
        raise PromoCliError(exc.message) from None
