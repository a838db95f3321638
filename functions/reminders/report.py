"""The run summary: what was (or would be) sent, what failed, in French for the CLI and JSON for HTTP."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

FAILED = frozenset({"échec", "incertain"})


@dataclass(frozen=True)
class Outcome:
    rule: str
    channel: str
    address: str
    subject: str
    status: str  # envoyé, lien prêt, déjà envoyé, lien déjà prêt, échec, incertain, en cours, reporté, à envoyer…
    detail: str = ""
    key: str = ""

    @classmethod
    def of(cls, message: Any, status: str, detail: str = "") -> Outcome:
        return cls(message.rule, message.channel, message.address, message.subject, status, detail, message.key)

    @property
    def failed(self) -> bool:
        return self.status in FAILED

    def line(self) -> str:
        from functions.reminders.channels import LABELS

        who = self.address or ("contact à choisir" if self.channel == "wame" else "?")
        text = f"  [{self.status}] {LABELS.get(self.channel, self.channel)} → {who} : {self.subject}"
        if self.detail:
            detail = self.detail.replace("\n", "\n      ")
            text += f"\n      {detail}"
        return text


@dataclass
class RunSummary:
    day: date | None = None
    dry_run: bool = False
    state: str = "non lancé"  # fait, pas encore l'heure…, déjà fait, en cours ailleurs, essai…
    outcomes: list[Outcome] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    complete: bool = True  # nothing left for a later run of the day
    sheet_updates: int = 0

    def add(self, outcome: Outcome) -> None:
        self.outcomes.append(outcome)

    @property
    def failures(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.failed]

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    def lines(self) -> list[str]:
        head = f"Rappels du {self.day:%d/%m/%Y}" if self.day else "Rappels"
        out = [f"{head} : {self.state}."]
        if not self.dry_run and self.state == "fait":
            out.append(f"{self.count('envoyé')} envoyé(s), {self.count('lien prêt')} lien(s) WhatsApp prêt(s) à "
                       f"envoyer (Agenda › À envoyer), {self.count('déjà envoyé') + self.count('lien déjà prêt')} "
                       f"déjà traité(s), {len(self.failures)} échec(s), {self.sheet_updates} ligne(s) d'Agenda "
                       "mise(s) à jour.")
        elif self.dry_run:
            out.append(f"{self.count('à envoyer')} message(s) à envoyer.")
        out += [o.line() for o in self.outcomes]
        out += [f"  Attention : {w}" for w in self.warnings]
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"date": self.day.isoformat() if self.day else None, "etat": self.state, "essai": self.dry_run,
                "envoyes": self.count("envoyé"), "deja_envoyes": self.count("déjà envoyé"),
                "liens_prets": self.count("lien prêt"), "liens_deja_prets": self.count("lien déjà prêt"),
                "echecs": [{"canal": o.channel, "destinataire": o.address, "objet": o.subject, "statut": o.status,
                            "raison": o.detail} for o in self.failures],
                "messages": [{"regle": o.rule, "canal": o.channel, "destinataire": o.address, "objet": o.subject,
                              "statut": o.status} for o in self.outcomes],
                "complet": self.complete, "avertissements": self.warnings}
