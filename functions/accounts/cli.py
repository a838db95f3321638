"""``ttr admin create``: create an administrator from the command line (the lead registers ``admin``)."""

from __future__ import annotations

import click

from functions.errors import TTRError


@click.group()
def admin() -> None:
    """Comptes administrateurs."""


@admin.command("create")
@click.option("--workbook", "-w", help="Classeur : fichier .xlsx ou URL Google Sheets (défaut : TTR_WORKBOOK).")
@click.option("--state", "-s", help="État privé : fichier SQLite ou « firestore » (défaut : TTR_STATE).")
@click.option("--name", prompt="Nom", help="Nom de l'administrateur.")
@click.option("--email", prompt="Email", help="Email de connexion.")
@click.password_option("--password", prompt="Mot de passe (8 caractères minimum)",
                       confirmation_prompt="Confirmez le mot de passe", help="Mot de passe (demandé si absent).")
def create(workbook: str | None, state: str | None, name: str, email: str, password: str) -> None:
    """Créer un compte administrateur de l'espace principal (connexion par email et mot de passe)."""
    from functions.accounts import team, users
    from functions.accounts.users import Moment
    from functions.accounts.workspaces import DEFAULT
    from functions.config import Config, open_business

    config = Config.from_env()
    config.workbook = workbook or config.workbook
    config.state = state or config.state
    biz = open_business(config)
    when = Moment(biz.clock().timestamp(), biz.now().isoformat(sep=" "))
    try:
        user = users.create(biz.state, name=name, email=email, password=password, when=when, workspace=DEFAULT,
                            role="admin")
    except users.AccountExistsError:
        raise click.ClickException("Un compte existe déjà avec cet email.") from None
    except TTRError as exc:
        raise click.ClickException(exc.message) from None
    biz.state.create("accounts", "setup", {"at": when.local, "by": "ttr admin create"})
    try:
        team.mirror_user(biz, users.public(user, DEFAULT), "ttr admin create")
    except TTRError as exc:
        click.echo(f"Compte créé, mais l'onglet Équipe n'a pas été mis à jour : {exc.message}", err=True)
    click.echo(f"Administrateur créé : {user['name']} <{user['email']}> (ID {user['id']}).")
