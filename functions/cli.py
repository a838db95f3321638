"""``ttr``: the command line of TTR Gestion (French for people, like the rest of the product)."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import click

from functions.config import Config, open_business
from functions.errors import TTRError

#: click has no French catalog: its own messages (usage, help, parsing errors) in French.
CLICK_FR = {
    "Usage:": "Utilisation :", "Options": "Options", "Commands": "Commandes",
    "Show this message and exit.": "Afficher cette aide.", "Show the version and exit.": "Afficher la version.",
    "Error: {message}": "Erreur : {message}", "Try '{command} {option}' for help.": "Aide : « {command} {option} ».",
    "No such option {name!r}.": "Option inconnue : {name!r}.", "No such command {name!r}.": "Commande inconnue : {name!r}.",
    "Missing argument": "Argument manquant", "Missing option": "Option manquante", "Missing command.": "Commande manquante.",
    "Missing parameter": "Paramètre manquant", "Missing parameter: {param_name}": "Paramètre manquant : {param_name}",
    "Invalid value for {param_hint}: {message}": "Valeur invalide pour {param_hint} : {message}",
    "Invalid value: {message}": "Valeur invalide : {message}", "Aborted!": "Abandon.",
    "{value!r} is not a valid {number_type}.": "{value!r} n'est pas un nombre valide.",
    "Option {name!r} does not take a value.": "L'option {name!r} ne prend pas de valeur.",
    "Option {name!r} requires an argument.": "L'option {name!r} demande une valeur.",
    "Got unexpected extra argument ({args})": "Argument en trop : {args}",
    "Got unexpected extra arguments ({args})": "Arguments en trop : {args}",
    "Did you mean {possibility}?": "Vouliez-vous dire {possibility} ?", "default: {default}": "défaut : {default}",
    "Choose from:\n\t{choices}": "Choisissez parmi :\n\t{choices}", "%(prog)s, version %(version)s": "%(prog)s %(version)s",
}


def _french_click() -> None:
    import importlib

    def gettext(message: str) -> str:
        return CLICK_FR.get(message, message)

    def ngettext(singular: str, plural: str, n: int) -> str:
        return gettext(singular if n == 1 else plural)

    for name in ("core", "exceptions", "formatting", "decorators", "parser", "types", "termui"):
        module = importlib.import_module(f"click.{name}")
        if hasattr(module, "_"):
            module._ = gettext  # type: ignore[attr-defined]
        if hasattr(module, "ngettext"):
            module.ngettext = ngettext  # type: ignore[attr-defined]


_french_click()


class FrenchError(click.ClickException):
    def show(self, file: Any = None) -> None:
        click.echo(f"Erreur : {self.format_message()}", err=True, file=file)


class FrenchUsageError(click.UsageError):
    def show(self, file: Any = None) -> None:
        if self.ctx is not None:
            click.echo(self.ctx.get_usage(), err=True, file=file)
            click.echo(f"Aide : « {self.ctx.command_path} --help ».", err=True, file=file)
        click.echo(f"Erreur : {self.format_message()}", err=True, file=file)


class TTRCommand(click.Group):
    """Maps a ``TTRError`` to a French message and a non-zero exit, once, for every command."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except TTRError as exc:
            raise FrenchError(exc.message) from None
        except click.UsageError as exc:
            raise FrenchUsageError(exc.format_message(), exc.ctx) from None
        except click.ClickException as exc:
            if isinstance(exc, FrenchError):
                raise
            french = FrenchError(exc.format_message())
            french.exit_code = exc.exit_code
            raise french from None


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
    for tab, before, header in report.renamed_columns:
        click.echo(f"  colonne renommée : {tab} › {before} → {header}")
    from functions.accounts.team import mirror_members
    from functions.accounts.workspaces import DEFAULT

    if listed := mirror_members(biz, DEFAULT):  # an account missing from Équipe (its mirroring failed) is added
        click.echo(f"  Équipe : {listed} compte(s) ajouté(s) ou mis à jour")
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
    click.echo("Démonstration écrite : " + ", ".join(f"{v} {k[:-1] if v == 1 and k.endswith('s') else k}"
                                                     for k, v in counts.items()) + ".")
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
@click.option("--host", default="127.0.0.1", show_default=True, help="Adresse d'écoute (0.0.0.0 : tout le réseau local).")
@click.option("--port", default=8080, show_default=True, type=int, help="Port d'écoute.")
@click.option("--no-serve", is_flag=True, help="Créer la démonstration sans lancer le serveur.")
@click.option("--reinitialiser", is_flag=True, help="Effacer la démonstration et la recréer (nouveau mot de passe).")
def demo(workbook: str | None, state: str | None, host: str, port: int, no_serve: bool, reinitialiser: bool) -> None:
    """Créer une entreprise de démonstration puis servir les fonctions sur cette machine."""
    config = _config(workbook or os.environ.get("TTR_WORKBOOK") or "./ttr-demo.xlsx",
                     state or os.environ.get("TTR_STATE") or "./ttr-demo.state.sqlite")
    config.serve_at(host, port)  # the demo's links point at the address it serves
    if reinitialiser:
        _erase_demo(config)
    exists = _workbook_exists(config)
    if not exists:
        from functions.config import open_state_store, remember_public_url

        remember_public_url(open_state_store(config.state), config.public_url)
    ctx = click.get_current_context()
    ctx.invoke(init, workbook=config.workbook, state=config.state, demo=not exists, name=None, business_type=None,
               currency=None, timezone=None)
    if exists:
        click.echo(f"Démonstration déjà présente : {config.workbook}.")
        _how_to_log_in(config)
    if config.is_google:
        click.echo(f"\nOuvrez le classeur dans Google Sheets : {config.workbook}")
    else:
        click.echo(f"\nOuvrez le classeur dans LibreOffice ou Excel : {Path(config.workbook).resolve()}")
    click.echo(f"État privé (mots de passe, Journal) : {Path(config.state).resolve()}")
    if not no_serve:
        _serve(config, host, port)


DEMO_EMAIL = "admin@lepalmier.tg"


def _workbook_exists(config: Config) -> bool:
    """A workbook already set up: the file exists, or the Google Sheet already has its Paramètres tab."""
    if not config.is_google:
        return Path(config.workbook).exists()
    from functions.config import open_backend
    from functions.store.schema import load_schema

    return load_schema().tab("settings").title in open_backend(config.workbook).titles()


def _how_to_log_in(config: Config) -> None:
    from functions.config import open_state_store

    setup = open_state_store(config.state).get("accounts", "setup") or {}
    if setup.get("by") == "ttr demo":
        click.echo(f"Connexion : {DEMO_EMAIL}, avec le mot de passe affiché à la création de la démonstration.")
    else:
        click.echo("Connexion : avec le compte administrateur créé à l'installation.")
    click.echo("Mot de passe oublié ? « ttr demo --reinitialiser » efface la démonstration et la recrée "
               "(nouveau mot de passe).")


def _erase_demo(config: Config) -> None:
    """Delete a demo made by ``ttr demo`` (its workbook, state and sidecar files), and nothing else."""
    from functions.config import open_state_store

    if config.is_google or not config.state.endswith((".sqlite", ".db", ".sqlite3")):
        raise FrenchError("--reinitialiser ne s'applique qu'à une démonstration locale (.xlsx et SQLite).")
    workbook, state = Path(config.workbook), Path(config.state)
    if state.exists():
        with open_state_store(config.state) as st:
            made_by = (st.get("accounts", "setup") or {}).get("by")
        if made_by != "ttr demo":
            raise FrenchError(f"{state} n'est pas l'état d'une démonstration créée par « ttr demo » : rien n'est "
                              "effacé.")
    elif workbook.exists():
        raise FrenchError(f"{workbook} n'a pas d'état de démonstration à côté : rien n'est effacé.")
    for path in (workbook, Path(f"{workbook}.lock"), state, Path(f"{state}-wal"), Path(f"{state}-shm"),
                 Path(f"{state}-journal")):
        path.unlink(missing_ok=True)
    click.echo(f"Démonstration effacée : {workbook}, {state}.")


@main.command()
@WORKBOOK
@STATE
@click.option("--host", default="127.0.0.1", show_default=True, help="Adresse d'écoute (0.0.0.0 : tout le réseau local).")
@click.option("--port", default=8080, show_default=True, type=int, help="Port d'écoute.")
@click.option("--no-schedule", is_flag=True, help="Ne pas lancer les rappels et la synchronisation planifiés.")
@click.option("--sync-minutes", default=5.0, show_default=True, type=float,
              help="Minutes entre deux synchronisations planifiées.")
@click.option("--jetons", is_flag=True, help="Afficher les jetons des appels HTTP /sync et /rappels.")
def serve(workbook: str | None, state: str | None, host: str, port: int, no_schedule: bool, sync_minutes: float,
          jetons: bool) -> None:
    """Servir l'application web sur cette machine, avec les rappels du jour et la synchronisation planifiés."""
    _serve(_config(workbook, state), host, port, schedule=not no_schedule, sync_minutes=sync_minutes,
           tokens=jetons)


def _serve(config: Config, host: str, port: int, *, schedule: bool = True, sync_minutes: float = 5,
           tokens: bool = False) -> None:
    from functions.web.server import Server

    server = Server.start(config, host, port, schedule=schedule, sync_minutes=sync_minutes, echo=click.echo)
    if tokens:
        server.echo_tokens()
    click.echo("  Ctrl+C pour arrêter.")
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
        click.echo("\nTTR Gestion arrêté.")


@main.command()
@WORKBOOK
@STATE
@click.option("--complet", "complete", is_flag=True,
              help="Tout relire et tout recalculer, même si rien n'a changé depuis la dernière synchronisation.")
def sync(workbook: str | None, state: str | None, complete: bool) -> None:
    """Compléter le classeur (ID, liens, colonnes calculées, tableau de bord) et journaliser les modifications."""
    report = open_business(_config(workbook, state)).sync(complete=complete)
    for line in report.lines():
        click.echo(line)
    if report.baseline:
        click.echo("Première synchronisation : état de référence enregistré pour " + ", ".join(report.baseline) + ".")
    if report.errors:
        sys.exit(2)


@main.command()
@WORKBOOK
@STATE
def doctor(workbook: str | None, state: str | None) -> None:
    """Vérifier le classeur et l'état privé, et la limite de cellules de Google Sheets (code 1 si un problème)."""
    from functions.doctor import checks

    found = checks(open_business(_config(workbook, state)))
    for check in found:
        click.echo(("OK     " if check.ok else "ATTENTION ") + check.line)
    if not all(c.ok for c in found):
        sys.exit(1)


@main.group()
def audit() -> None:
    """Vérifier le Journal."""


@audit.command("verify")
@WORKBOOK
@STATE
@click.option("--archives", is_flag=True, help="Vérifier aussi les archives des exercices clôturés et la chaîne entre elles.")
def audit_verify(workbook: str | None, state: str | None, archives: bool) -> None:
    """Vérifier que le Journal n'a pas été modifié (code de sortie 1 sinon)."""
    biz = open_business(_config(workbook, state))
    if archives:
        from functions.archive_read import verify_archives

        verdict = verify_archives(biz)
    else:
        verdict = biz.verify_journal()
    click.echo(verdict.message)
    if not verdict.ok:
        sys.exit(1)


@main.command()
@click.argument("annee", type=int)
@click.option("--apercu", is_flag=True, help="Montrer ce qui partirait, sans rien changer.")
@click.option("--archive", "archive_url", help="Google Sheets : URL de la Google Sheet vide qui recevra l'archive.")
@WORKBOOK
@STATE
def cloture(annee: int, apercu: bool, archive_url: str | None, workbook: str | None, state: str | None) -> None:
    """Clôturer un exercice : ses lignes réglées partent dans une archive, les soldes sont reportés « À nouveau »."""
    from functions.archive import archive_target, close_year
    from functions.config import open_backend

    config = _config(workbook, state)
    target = archive_target(config.workbook, annee, archive_url, config.is_google)
    name = Path(target).name if not config.is_google else target
    report = close_year(open_business(config), annee, lambda: open_backend(target), name, dry_run=apercu,
                        actor="ttr cloture", spec=target)
    for line in report.lines():
        click.echo(line)
    if apercu:
        click.echo("Aperçu : rien n'a été modifié. Relancez sans --apercu pour clôturer.")
    else:
        click.echo(f"Archive en lecture seule : {target}. Vérifiez : « ttr audit verify --archives ».")


def _register() -> None:
    """Commands of the modules above the workbook (each in its own package)."""
    from functions.accounts.cli import admin
    from functions.invoices.cli import facture
    from functions.promo.cli import promo
    from functions.receipts.cli import receipt
    from functions.reminders.cli import remind
    from functions.reports.cli import rapport
    from functions.trix.cli import trix

    main.add_command(admin)
    main.add_command(facture)
    main.add_command(promo, "promo")
    main.add_command(receipt)
    main.add_command(remind)
    main.add_command(rapport)
    main.add_command(trix)


_register()


if __name__ == "__main__":  # pragma: no cover
    main()
