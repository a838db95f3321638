"""Running deploy.sh in tests: a dry run, or a real run against the fake gcloud of ``fake_gcloud.sh``.

The script runs from a snapshot of the repository (``app_copy``), so that its source digest is stable.
"""

from __future__ import annotations

import ast
import os
import shlex
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "deploy.sh"
FAKE = Path(__file__).resolve().parent / "fake_gcloud.sh"
SHEET_ID = "1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789"
SHEET_URL = f"https://docs.google.com/spreadsheets/d/{SHEET_ID}/edit#gid=0"
PROJECT = "demo-ttr-42"


def entry_points(main_py: Path = ROOT / "main.py") -> dict[str, str]:
    """{name: "http" | "cloud_event"} of the functions decorated with functions_framework in main.py."""
    found = {}
    for node in ast.parse(main_py.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.FunctionDef):
            for deco in node.decorator_list:
                if isinstance(deco, ast.Attribute) and getattr(deco.value, "id", "") == "functions_framework":
                    found[node.name] = deco.attr
    return found


@dataclass
class Run:
    code: int
    out: str
    err: str
    calls: list[list[str]]  # what gcloud received (fake gcloud only)

    def commands(self) -> list[list[str]]:
        """The gcloud commands the script printed (without the leading "+ gcloud")."""
        return [shlex.split(line[len("+ gcloud "):], comments=True)
                for line in self.out.splitlines() if line.startswith("+ gcloud ")]

    def deploys(self) -> dict[str, list[str]]:
        """{function name: its last deploy command}."""
        return {c[2]: c for c in self.commands() if c[:2] == ["functions", "deploy"]}


def app_copy(dest: Path) -> Path:
    """What deploy.sh needs from the repository, copied to ``dest`` (the live tree may change meanwhile)."""
    skip = shutil.ignore_patterns("__pycache__", "*.pyc")
    dest.mkdir(parents=True)
    for name in ("deploy.sh", "main.py", "pyproject.toml", ".gcloudignore"):
        shutil.copy2(ROOT / name, dest / name)
    for name in ("functions", "templates", "sheets_schema"):
        shutil.copytree(ROOT / name, dest / name, ignore=skip)
    (dest / "docs").mkdir()
    shutil.copy2(ROOT / "docs" / "manuel.md", dest / "docs" / "manuel.md")
    return dest


class Deployer:
    """Runs deploy.sh with the fake gcloud first on PATH; the fake's state persists across runs."""

    def __init__(self, tmp: Path, app: Path | None = None) -> None:
        self.tmp = tmp
        self.app = app or app_copy(tmp / "app")
        self.bin = tmp / "bin"
        self.bin.mkdir(exist_ok=True)
        (self.bin / "gcloud").symlink_to(FAKE)
        self.state = tmp / "gcloud-state"
        self.log = tmp / "gcloud-calls.log"

    def run(self, *args: str, env: dict[str, str] | None = None, dry_run: bool = False) -> Run:
        self.log.write_text("")
        base = {k: v for k, v in os.environ.items()
                if not k.startswith(("TTR_", "TRIX_", "ABT_", "WHATSAPP_", "SMTP_", "CLOUDSDK_", "GOOGLE_"))}
        base.update(PATH=f"{self.bin}{os.pathsep}{base.get('PATH', '')}", FAKE_GCLOUD_STATE=str(self.state),
                    FAKE_GCLOUD_LOG=str(self.log), TMPDIR=str(self.tmp))
        base.update(env or {})
        argv = ["bash", str(self.app / "deploy.sh"), "--project", PROJECT, "--sheet", SHEET_URL, *args]
        if dry_run:
            argv.append("--dry-run")
        done = subprocess.run(argv, env=base, capture_output=True, text=True, timeout=120)
        calls = [line.split("\x1f") for line in self.log.read_text().split("\n") if line]
        return Run(done.returncode, done.stdout, done.stderr, calls)

    def saved(self) -> dict[str, str]:
        """The fake's whole state: {relative path: content}."""
        if not self.state.exists():
            return {}
        return {str(p.relative_to(self.state)): p.read_text() for p in sorted(self.state.rglob("*")) if p.is_file()}


@pytest.fixture
def deployer(tmp_path):
    return Deployer(tmp_path)
