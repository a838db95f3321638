"""The last editor of a workbook, from Drive v3 revisions (through the same authorised session).

Drive lists revisions oldest first, without ordering: the first call pages to the end (bounded by
``REVISION_PAGES`` pages of 1 000), later calls start from the newest page seen, so a workbook with years of
history costs one request per call. The service account's own writes are skipped: they are not a person's
edit. Informative only: any failure answers None and the next call starts over.
"""

from __future__ import annotations

from typing import Any

from functions.store.gsheets_http import SheetsClient, SheetsHttp

REVISION_PAGES = 50
FIELDS = "nextPageToken,revisions(id,modifiedTime,lastModifyingUser(displayName,emailAddress))"


class Editor(str):
    """The editor's display name, with the account's ``email`` (what the sync matches to Équipe)."""

    email: str | None

    def __new__(cls, name: str, email: str | None = None) -> Editor:
        self = super().__new__(cls, name)
        self.email = email or None
        return self


class DriveRevisions:
    def __init__(self, http: SheetsHttp, client: SheetsClient, url: str) -> None:
        self.http = http
        self.client = client
        self.url = url
        self._token = ""  # the page token of the newest page seen
        self._latest: dict[str, Any] | None = None  # the newest revision by a person seen so far

    def _page(self, token: str) -> Any:
        params = {"pageSize": "1000", "fields": FIELDS, **({"pageToken": token} if token else {})}
        return self.http.call("drive", lambda: self.client.request("get", self.url, params=params).json(),
                              retries=1)

    def newest_editor(self, service_account: str | None) -> str | None:
        """Display name (else email) on the newest revision not made by ``service_account``."""
        try:
            me = (service_account or "").lower()
            latest, token = self._latest, self._token
            for _ in range(REVISION_PAGES):
                data = self._page(token)
                for rev in data.get("revisions", []):
                    who = str((rev.get("lastModifyingUser") or {}).get("emailAddress", "")).lower()
                    if me and who == me:
                        continue  # our own writes are not a person's edit
                    if latest is None or str(rev.get("modifiedTime", "")) >= str(latest.get("modifiedTime", "")):
                        latest = rev
                if not data.get("nextPageToken"):
                    self._token = token  # the newest page: the next call starts here
                    break
                token = data["nextPageToken"]
            self._latest = latest
            user = (latest or {}).get("lastModifyingUser") or {}
            name = user.get("displayName") or user.get("emailAddress")
            return Editor(name, user.get("emailAddress")) if name else None
        except Exception:  # noqa: BLE001 - informative only: never fail the caller
            self._token, self._latest = "", None
            return None
