"""``ttr``: the command line of TTR Gestion (French for people, like the rest of the product)."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import click

from functions.config import Config, open_business
from functions.errors import TTRError


class FrenchError(click.ClickException):
    def show(self, file: Any = None) -> None:
        click.echo(f"Erreur : {self.format_message()}", err=True, file=file)


class TTRCommand(click.Group):
    """Maps a ``TTRError`` to a French message and a non-zero exit, once, for every command."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except TTRError as exc:
            raise FrenchError(exc.message) from None


def _config(workbook: str | None, state: str | None) -> Config:
    config = Config.from_env()
    if workbook:
        config.workbook = workbook
    if state:
        config.state = state
    return config


WORKBOOK = click.option("--workbook", "-w", help="Classeur : fichier .xlsx ou URL Google Sheets (défaut : TTR_WORKBOOK, ./ttr.xlsx).")
STATE = click.option("--state", "-s", help="État privé : fichier SQLite ou « firestore » (défaut : TTR_STATE).")


@click.group(cls=TTRCommand)
@click.version_option(package_name="ttr-gestion", message="TTR Gestion %(version)s")
def main() -> None:
    """TTR Gestion : votre classeur comme base de données, et tout ce qu'un classeur ne sait pas faire."""


@main.command()
@WORKBOOK
@STATE
@click.option("--demo", is_flag=True, help="Remplir une entreprise de démonstration (auberge à Lomé).")
@click.option("--name", help="Nom de l'entreprise.")
@click.option("--type", "business_type", help="Type d'activité (Hôtel, Restaurant, Boutique…).")
@click.option("--currency", help="Devise (code ISO 4217, ex. XOF, EUR).")
@click.option("--timezone", help="Fuseau horaire (ex. Africa/Lome).")
def init(workbook: str | None, state: str | None, demo: bool, name: str | None, business_type: str | None,
         currency: str | None, timezone: str | None) -> None:
    """Créer le classeur, ou ajouter les onglets et colonnes manquants sans rien effacer."""
    config = _config(workbook, state)
    settings = {k: v for k, v in {"business_name": name, "business_type": business_type, "currency": currency,
                                  "timezone": timezone}.items() if v}
    if demo:
        settings = {"business_name": "Résidence Le Palmier", "business_type": "Auberge", "country": "TG",
                    "currency": "XOF", "timezone": "Africa/Lome", "phone": "+228 22 21 00 00",
                    "address": "Boulevard du 13 Janvier, Lomé", "email": "contact@lepalmier.tg", **settings}
    biz = open_business(config)
    report = biz.init(settings)
    if report.created_file:
        click.echo(f"Classeur créé : {config.workbook}")
    for tab in report.created_tabs:
        click.echo(f"  onglet ajouté : {tab}")
    for tab, header in report.added_columns:
        click.echo(f"  colonne ajoutée : {tab} › {header}")
    if not report.changed:
        click.echo(f"Classeur à jour : {config.workbook} (rien à changer).")
    if demo:
        _fill_demo(biz)


def _fill_demo(biz: Any) -> None:
    from functions import demo as demo_data

    book = biz.load(["clients"])
    if book.rows("clients"):
        click.echo("Le classeur contient déjà des clients : démonstration non ajoutée.")
        return
    counts = demo_data.fill(biz, progress=lambda m: click.echo(f"  {m}"))
    report = biz.sync()
    click.echo("Démonstration écrite : " + ", ".join(f"{v} {k}" for k, v in counts.items()) + ".")
    click.echo(f"Synchronisation : {report.lines()[0]}")
    _demo_admin(biz)


def _demo_admin(biz: Any) -> None:
    """An administrator for the demo, so the web app opens at once (the password is shown once)."""
    import secrets

    from functions.accounts import team, users
    from functions.accounts.workspaces import DEFAULT, Workspaces

    if biz.state.get("accounts", "setup") is not None:
        return
    password = secrets.token_urlsafe(9)
    when = users.Moment(biz.clock().timestamp(), biz.now().isoformat(sep=" "))
    user = users.create(biz.state, name="Afi Lawson", email="admin@lepalmier.tg", password=password, when=when,
                        workspace=DEFAULT, role="admin")
    biz.state.create("accounts", "setup", {"at": when.local, "by": "ttr demo"})
    Workspaces(lambda: biz).set_default_name(biz.load(["settings"]).settings["business_name"], user["id"])
    team.mirror_user(biz, users.public(user, DEFAULT), "ttr demo")
    click.echo(f"Compte administrateur de démonstration : admin@lepalmier.tg / {password}")


@main.command()
@WORKBOOK
@STATE
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8080, show_default=True, type=int)
@click.option("--no-serve", is_flag=True, help="Créer la démonstration sans lancer le serveur.")
def demo(workbook: str | None, state: str | None, host: str, port: int, no_serve: bool) -> None:
    """Créer une entreprise de démonstration puis servir les fonctions sur cette machine."""
    config = _config(workbook or os.environ.get("TTR_WORKBOOK") or "./ttr-demo.xlsx",
                     state or os.environ.get("TTR_STATE") or "./ttr-demo.state.sqlite")
    exists = Path(config.workbook).exists()
    ctx = click.get_current_context()
    ctx.invoke(init, workbook=config.workbook, state=config.state, demo=not exists, name=None, business_type=None,
               currency=None, timezone=None)
    if exists:
        click.echo(f"Démonstration déjà présente : {config.workbook} (supprimez-la pour repartir de zéro).")
    click.echo(f"\nOuvrez le classeur dans LibreOffice ou Excel : {Path(config.workbook).resolve()}")
    click.echo(f"État privé (mots de passe, Journal) : {Path(config.state).resolve()}")
    if not no_serve:
        _serve(config, host, port)


@main.command()
@WORKBOOK
@STATE
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8080, show_default=True, type=int)
def serve(workbook: str | None, state: str | None, host: str, port: int) -> None:
    """Servir les fonctions sur cette machine (tableau de bord, synchronisation)."""
    _serve(_config(workbook, state), host, port)


def _serve(config: Config, host: str, port: int) -> None:
    from werkzeug.serving import run_simple

    from functions.web.app import create_app, sync_token

    biz = open_business(config)
    biz.load(["settings"])
    env = dict(config.env)
    app = create_app(lambda: biz, env)
    click.echo(f"\nTTR Gestion sur http://{host}:{port}/  (Ctrl+C pour arrêter)")
    click.echo(f"  POST /sync avec l'en-tête X-TTR-Token: {sync_token(biz, env)}")
    run_simple(host, port, app, threaded=True, use_reloader=False)


@main.command()
@WORKBOOK
@STATE
def sync(workbook: str | None, state: str | None) -> None:
    """Compléter le classeur (ID, liens, colonnes calculées, tableau de bord) et journaliser les modifications."""
    report = open_business(_config(workbook, state)).sync()
    for line in report.lines():
        click.echo(line)
    if report.baseline:
        click.echo("Première synchronisation : état de référence enregistré pour " + ", ".join(report.baseline) + ".")
    if report.errors:
        sys.exit(2)


@main.group()
def audit() -> None:
    """Vérifier le Journal."""


@audit.command("verify")
@WORKBOOK
@STATE
def audit_verify(workbook: str | None, state: str | None) -> None:
    """Vérifier que le Journal n'a pas été modifié (code de sortie 1 sinon)."""
    verdict = open_business(_config(workbook, state)).verify_journal()
    click.echo(verdict.message)
    if not verdict.ok:
        sys.exit(1)


def _register() -> None:
    """Commands of the modules above the workbook (each in its own package)."""
    from functions.accounts.cli import admin
    from functions.promo.cli import promo
    from functions.receipts.cli import receipt
    from functions.reminders.cli import remind
    from functions.trix.cli import trix

    main.add_command(admin)
    main.add_command(promo, "promo")
    main.add_command(receipt)
    main.add_command(remind)
    main.add_command(trix)


_register()


if __name__ == "__main__":  # pragma: no cover
    main()
