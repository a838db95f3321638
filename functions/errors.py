"""The one exception hierarchy of TTR Gestion.

Every error a person can see is a ``TTRError``: its message is French and says what to do next, and it
carries the HTTP status an edge should answer with. Edges (web error handler, CLI, function handler) map
them exactly once::

    TTRError (500)
    ├── InvalidInputError (400)       bad value typed or sent; nothing was written
    │   └── RowError (400)            one row of a tab is wrong (tab, row number, reason)
    ├── NotFoundError (404)           no record with that id
    ├── ConflictError (409)           the row moved, vanished or changed since it was read
    ├── InsufficientStockError (409)  a sale asks for more than the stock holds
    ├── WorkbookError (500)           the workbook cannot be used as it is
    │   ├── WorkbookMissingError      file or spreadsheet not found
    │   ├── WorkbookCorruptError      file is not a readable workbook
    │   ├── MissingTabError           a tab of the contract is missing
    │   └── HeaderError               a column header was renamed or removed
    ├── BackendError (503)            the storage service failed
    │   ├── AccessDeniedError (403)   the sheet is not shared with the service account
    │   ├── QuotaError (429)          quota exhausted after bounded retries
    │   └── BackendTimeoutError (504) the service did not answer in time
    ├── StateError (500)              the state store failed
    └── AuditError (500)              the Journal chain is broken
"""

from __future__ import annotations


class TTRError(Exception):
    """Une erreur inattendue s'est produite. Réessayez ; si elle persiste, contactez le support."""

    status = 500

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or (self.__doc__ or "").strip())

    @property
    def message(self) -> str:
        return str(self.args[0])


class InvalidInputError(TTRError):
    """Donnée invalide : vérifiez la saisie. Rien n'a été enregistré."""

    status = 400

    def __init__(self, message: str | None = None, *, field: str = "", code: str = "") -> None:
        super().__init__(message)
        self.field = field  # the form field or column key the error is about ("" when none)
        self.code = code  # a stable code (e.g. "decimals", "too_large") so callers never match the text


class RowError(InvalidInputError):
    """Une ligne du classeur est invalide."""

    def __init__(self, tab: str, row: int | None, reason: str) -> None:
        self.tab = tab
        self.row = row
        self.reason = reason
        where = f"{tab}, ligne {row}" if row else tab
        super().__init__(f"{where} : {reason}")


class NotFoundError(TTRError):
    """Élément introuvable : il a peut-être été supprimé."""

    status = 404


class ConflictError(TTRError):
    """La ligne a été modifiée ou déplacée entre-temps. Rechargez puis recommencez."""

    status = 409


class StaleCacheError(ConflictError):
    """Le classeur a changé depuis la dernière lecture : relisez puis recommencez.

    Raised before anything is written, by a backend whose grids served without a check turned out to be
    out of date (``GoogleSheetsBackend.confirm``); the pipeline reads again and starts the action over."""


class InsufficientStockError(ConflictError):
    """Stock insuffisant pour cette vente."""


class WorkbookError(TTRError):
    """Le classeur ne peut pas être utilisé tel quel. Lancez « ttr init » pour le réparer."""


class WorkbookMissingError(WorkbookError):
    """Classeur introuvable. Créez-le avec « ttr init » ou vérifiez TTR_WORKBOOK."""


class WorkbookCorruptError(WorkbookError):
    """Le fichier n'est pas un classeur lisible (.xlsx). Restaurez une sauvegarde ou recréez-le avec « ttr init »."""


class MissingTabError(WorkbookError):
    """Un onglet du classeur est manquant. Lancez « ttr init » pour le recréer sans toucher aux données."""


class HeaderError(WorkbookError):
    """Un en-tête de colonne a été renommé ou supprimé. Remettez le nom d'origine ou lancez « ttr init »."""


class BackendError(TTRError):
    """Le service de stockage ne répond pas correctement. Réessayez dans un instant."""

    status = 503


class AccessDeniedError(BackendError):
    """Accès refusé au classeur Google Sheets. Partagez-le avec le compte de service en tant qu'éditeur."""

    status = 403


class QuotaError(BackendError):
    """Trop de requêtes vers Google Sheets. Patientez une minute puis réessayez."""

    status = 429


class BackendTimeoutError(BackendError):
    """Google Sheets n'a pas répondu à temps. Vérifiez la connexion puis réessayez."""

    status = 504


class StateError(TTRError):
    """Le stockage interne (état) est indisponible. Réessayez dans un instant."""


class AuditError(TTRError):
    """Le Journal a été altéré."""
