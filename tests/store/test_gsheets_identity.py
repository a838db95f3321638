"""Who is who on the Google path: the service account named in a 403, the other 403s told apart, and the
last editor read from the newest Drive revisions, skipping the toolkit's own writes."""

from __future__ import annotations

from typing import Any

import pytest

from functions.errors import AccessDeniedError
from functions.store.gsheets_http import METADATA_EMAIL, service_account_email
from tests.fakes.sheets_api import SERVICE_ACCOUNT
from tests.store.factory_gsheets import SPREADSHEET_ID, backend_for, fake_api


class RuntimeCredentials:
    """Like Cloud Functions' compute credentials: the email reads "default" until refreshed."""

    def __init__(self, after_refresh: str = "default") -> None:
        self.service_account_email = "default"
        self.after_refresh = after_refresh
        self.refreshed = 0

    def refresh(self, request: Any) -> None:
        self.refreshed += 1
        self.service_account_email = self.after_refresh


class MetadataSession:
    def __init__(self, answer: str | None) -> None:
        self.answer = answer
        self.asked: list[tuple[str, dict]] = []

    def get(self, url: str, headers: dict, timeout: float) -> Any:
        self.asked.append((url, headers))
        status = 200 if self.answer else 404
        return type("R", (), {"status_code": status, "text": self.answer or ""})()


def test_the_email_comes_from_refreshed_credentials_else_the_metadata_server():
    creds = RuntimeCredentials("ttr@projet.iam.gserviceaccount.com")
    assert service_account_email(creds, MetadataSession(None)) == "ttr@projet.iam.gserviceaccount.com"
    assert creds.refreshed == 1
    session = MetadataSession("ttr-run@projet.iam.gserviceaccount.com\n")
    assert service_account_email(RuntimeCredentials(), session) == "ttr-run@projet.iam.gserviceaccount.com"
    assert session.asked == [(METADATA_EMAIL, {"Metadata-Flavor": "Google"})]
    assert service_account_email(RuntimeCredentials(), MetadataSession(None)) is None


def test_a_403_names_the_email_found_at_run_time(monkeypatch):
    with fake_api() as api:
        b = backend_for(api, service_account_email=None, credentials=RuntimeCredentials(SERVICE_ACCOUNT))
        api.denied = True
        with pytest.raises(AccessDeniedError) as exc:
            b.read(["Clients"])
        assert SERVICE_ACCOUNT in exc.value.message and "Partager" in exc.value.message


@pytest.mark.parametrize(("message", "expected"), [
    ("Google Sheets API has not been used in project 123 before or it is disabled.", "n'est pas activée"),
    ("Request had insufficient authentication scopes.", "portée"),
])
def test_other_403s_have_their_own_message(message, expected):
    with fake_api() as api:
        b = backend_for(api)
        api.fail_next(403, message=message)
        with pytest.raises(AccessDeniedError) as exc:
            b.titles()
        assert expected in exc.value.message and "Partager" not in exc.value.message


def rev(i: int, who: str, name: str | None = None) -> dict:
    user = {"emailAddress": who, **({"displayName": name} if name else {})}
    return {"id": str(i), "modifiedTime": f"2026-02-01T08:{i // 60:02d}:{i % 60:02d}.000Z", "lastModifyingUser": user}


def test_the_last_editor_is_the_newest_person_not_the_service_account():
    with fake_api() as api:
        b = backend_for(api)
        ss = api.spreadsheets[SPREADSHEET_ID]
        ss.revisions = [rev(i, f"p{i}@x.tg", f"Personne {i}") for i in range(2400)] + [rev(2400, SERVICE_ACCOUNT)]
        assert b.last_editor() == "Personne 2399"  # 3 pages, the toolkit's own last write skipped
        drive = len(api.calls("drive.revisions.list"))
        assert drive == 3
        ss.revisions.append(rev(2401, "awa@x.tg", "Awa"))
        assert b.last_editor() == "Awa"
        assert len(api.calls("drive.revisions.list")) == drive + 1  # from the newest page seen, not page one
        ss.revisions.append(rev(2402, SERVICE_ACCOUNT))
        assert b.last_editor() == "Awa"


def test_the_editor_reported_by_the_apps_script_trigger_wins():
    with fake_api() as api:
        b = backend_for(api)
        api.spreadsheets[SPREADSHEET_ID].revisions = [rev(1, "old@x.tg", "Ancien")]
        assert b.last_editor("kofi@x.tg") == "kofi@x.tg" and api.calls("drive.revisions.list") == []
        assert b.last_editor("  ") == "Ancien"
