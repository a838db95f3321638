"""``ttr admin create`` (an administrator from the command line) and ``ttr admin reset`` (recover access on
the machine that holds the state). The lead registers ``admin``."""

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


@admin.command("reset")
@click.option("--workbook", "-w", help="Classeur : fichier .xlsx ou URL Google Sheets (défaut : TTR_WORKBOOK).")
@click.option("--state", "-s", help="État privé : fichier SQLite ou « firestore » (défaut : TTR_STATE).")
@click.option("--email", help="Email du compte (demandé si ni --email ni --telephone).")
@click.option("--telephone", help="Numéro de téléphone du compte (un employé).")
@click.option("--mot-de-passe", "typed", is_flag=True,
              help="Taper le nouveau mot de passe ici (deux fois) au lieu de recevoir un lien.")
def reset(workbook: str | None, state: str | None, email: str | None, telephone: str | None, typed: bool) -> None:
    """Retrouver l'accès à un compte : un lien à usage unique valable 30 minutes, ou un nouveau mot de passe
    tapé ici (--mot-de-passe). À lancer sur l'ordinateur qui garde l'état privé ; inscrit au Journal."""
    from functions.accounts import passwords, recovery, users
    from functions.accounts.users import Moment
    from functions.accounts.workspaces import Workspaces
    from functions.config import Config, link_base, open_business

    config = Config.from_env()
    config.workbook = workbook or config.workbook
    config.state = state or config.state
    biz = open_business(config)
    when = Moment(biz.clock().timestamp(), biz.now().isoformat(sep=" "))
    if not email and not telephone:
        email = click.prompt("Email")
    try:
        user = users.find(biz.state, email=passwords.normalize_email(email)) if email else \
            users.find(biz.state, phone=passwords.normalize_phone(telephone or ""))
    except TTRError as exc:
        raise click.ClickException(exc.message) from None
    if user is None:
        raise click.ClickException("Aucun compte avec cet identifiant. Vérifiez l'email ou le numéro "
                                   "(« ttr admin create » crée un administrateur).")
    registry = Workspaces(lambda: biz, dict(config.env))
    if typed:
        password = click.prompt("Nouveau mot de passe (8 caractères minimum)", hide_input=True,
                                confirmation_prompt="Confirmez le mot de passe")
        try:
            passwords.check_password(password)
            user = recovery.set_new_password(biz.state, user["id"], password, when)
        except TTRError as exc:
            raise click.ClickException(exc.message) from None
        failed = recovery.journal(registry, user, "typed", "ttr admin reset")
        click.echo(f"Mot de passe changé pour {user['name']}. Les sessions ouvertes et les codes PIN sont fermés.")
    else:
        token, doc = recovery.issue(biz.state, user, kind="cli", by="ttr admin reset", when=when)
        failed = recovery.journal(registry, user, "cli", "ttr admin reset")
        click.echo(f"Lien pour {user['name']} (valable {doc['minutes']} minutes, une seule fois) :")
        click.echo(f"{link_base(config, biz.state)}{recovery.PATH}{token}")
    for name in failed:
        click.echo(f"Attention : le Journal de « {name} » n'a pas pu être mis à jour.", err=True)
