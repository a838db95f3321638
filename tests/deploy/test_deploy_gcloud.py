"""deploy.sh against what gcloud itself accepts: fully qualified Pub/Sub topics, scheduler jobs repaired on
a re-run, event functions redelivered (--retry), and every printed line through the installed gcloud's
own argument parser (skipped where gcloud is not installed)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.deploy.conftest import PROJECT, Deployer, entry_points
from tests.deploy.test_deploy_script import MUTATING, flag

GCLOUD = shutil.which("gcloud", path="/usr/bin:/usr/local/bin:/snap/bin")


@pytest.fixture(scope="module")
def dry(tmp_path_factory):
    run = Deployer(tmp_path_factory.mktemp("dry-gcloud")).run(dry_run=True)
    assert run.code == 0, run.err
    return run


def test_scheduler_jobs_publish_to_the_fully_qualified_topic_of_the_project(dry):
    jobs = [c for c in dry.commands() if c[:4] == ["scheduler", "jobs", "create", "pubsub"]]
    assert {c[4] for c in jobs} == {"ttr-sync", "ttr-reminders"}
    for cmd in jobs:
        assert flag(cmd, "topic") == f"projects/{PROJECT}/topics/{cmd[4]}"


def test_event_functions_are_deployed_with_retry(dry):
    kinds = entry_points()
    for name, cmd in dry.deploys().items():
        entry = flag(cmd, "entry-point")
        if kinds[entry] == "cloud_event":
            assert flag(cmd, "retry") == "", name  # Pub/Sub redelivers a failed event
        else:
            assert flag(cmd, "retry") is None, name  # --retry is refused on HTTP functions


def test_a_rerun_repairs_a_job_whose_topic_or_message_differ(tmp_path):
    deployer = Deployer(tmp_path)
    assert deployer.run().code == 0
    job = deployer.state / "schedule" / "ttr-sync"
    schedule, _, data, tz = job.read_text().rstrip("\n").split("\t")
    job.write_text(f"{schedule}\tprojects/autre-projet/topics/ttr-sync\t{data}\t{tz}\n")  # an older deploy.sh
    again = deployer.run()
    assert again.code == 0, again.err
    updates = [c for c in again.calls if c[:4] == ["scheduler", "jobs", "update", "pubsub"]]
    assert [c[4] for c in updates] == ["ttr-sync"]
    assert flag(updates[0], "topic") == f"projects/{PROJECT}/topics/ttr-sync"
    assert job.read_text().split("\t")[1] == f"projects/{PROJECT}/topics/ttr-sync"
    third = deployer.run()
    assert [c for c in third.calls if c[:2] == ["scheduler", "jobs"] and c[2] in MUTATING] == []


def test_a_rerun_adds_retry_to_event_functions_deployed_without_it(tmp_path):
    deployer = Deployer(tmp_path)
    assert deployer.run().code == 0
    label = deployer.state / "label" / "ttr-sync-pubsub"
    label.write_text("digest-of-a-deploy-without-retry\n")
    again = deployer.run()
    deploys = [c for c in again.calls if c[:2] == ["functions", "deploy"]]
    assert [c[2] for c in deploys] == ["ttr-sync-pubsub"] and flag(deploys[0], "retry") == ""


def _parse_errors(command: list[str], config: Path) -> str:
    """gcloud's own verdict on the arguments: exit status 2 is an argument error; any later failure
    (no account here) means the command line parsed."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CLOUDSDK_", "GOOGLE_"))}
    env.update(CLOUDSDK_CONFIG=str(config), CLOUDSDK_CORE_DISABLE_PROMPTS="1",
               CLOUDSDK_CORE_CHECK_GCE_METADATA="false", CLOUDSDK_CORE_DISABLE_USAGE_REPORTING="true",
               CLOUDSDK_COMPONENT_MANAGER_DISABLE_UPDATE_CHECK="true")
    done = subprocess.run([str(GCLOUD), *command], env=env, capture_output=True, text=True, timeout=120,
                          stdin=subprocess.DEVNULL)
    return done.stderr if done.returncode == 2 else ""


def _named(word: str) -> bool:
    """A resource name (ttr-web, a secret, an account, a path), not a word of the command."""
    return word.startswith(("ttr-", "<")) or "@" in word or "/" in word or word.replace("_", "").isupper()


@pytest.mark.skipif(GCLOUD is None, reason="gcloud n'est pas installé")
def test_every_printed_gcloud_line_parses_with_the_installed_gcloud(dry, tmp_path):
    seen: set[tuple[str, ...]] = set()
    refused = []
    for cmd in dry.commands():
        shape = tuple("X" if _named(w) else w for w in cmd if not w.startswith("--")) + tuple(
            sorted(w.split("=", 1)[0] for w in cmd if w.startswith("--")))
        if shape in seen:
            continue  # the same command on another resource, or with other values: parsed once
        seen.add(shape)
        if any(a.startswith("--env-vars-file=") for a in cmd):
            cmd = [a if not a.startswith("--env-vars-file=") else f"--env-vars-file={tmp_path / 'env.yaml'}"
                   for a in cmd]
            (tmp_path / "env.yaml").write_text('{"A": "1"}\n')
        errors = _parse_errors(cmd, tmp_path / "gcloud-config")
        if errors:
            refused.append((cmd, errors.strip().splitlines()[0]))
    assert len(seen) >= 10
    assert refused == []
    # The probe itself tells a refused line: a misspelt flag is an argument error for gcloud.
    assert "unrecognized arguments" in _parse_errors(
        ["scheduler", "jobs", "create", "pubsub", "ttr-sync", "--topik=x", f"--project={PROJECT}"],
        tmp_path / "gcloud-config")
