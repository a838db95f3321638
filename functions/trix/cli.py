"""``ttr trix "question"``: ask TRIX from the terminal (the answer streams as it comes)."""

from __future__ import annotations

import click

from functions.errors import TTRError


@click.command("trix")
@click.argument("question", nargs=-1)
@click.option("--image", "article_id", default="", help="Générer l'image de cet article du stock (ID) au lieu de poser une question.")
def trix(question: tuple[str, ...], article_id: str) -> None:
    """Poser une question à TRIX, le consultant IA, sur vos propres chiffres."""
    from functions.config import Config, open_business
    from functions.trix.chat import ask
    from functions.trix.config import TrixSettings

    if not question and not article_id:
        raise click.UsageError("Posez une question, ex. : ttr trix \"Combien ai-je vendu ce mois-ci ?\"")
    settings = TrixSettings.from_env()
    try:
        biz = open_business()
        if article_id:
            from functions.trix.images import generate

            result = generate(biz, article_id, settings, actor="TRIX (terminal)", public_url=Config.from_env().public_url)
            click.echo(f"Image enregistrée : {result['image']}")
            return
        links: list[dict[str, str]] = []
        for event in ask(biz, [{"role": "user", "content": " ".join(question)}], settings):
            if event.kind == "text":
                click.echo(event.text, nl=False)
            elif event.kind == "done":
                links = event.data.get("liens", [])
        click.echo()
        for link in links:
            click.echo(f"WhatsApp : {link['lien']}")
    except TTRError as exc:
        raise click.ClickException(exc.message) from None
