"""deploy.sh: the dry run's plan, secrets never printed, and idempotence against a stateful fake gcloud."""

from __future__ import annotations

import shutil
import subprocess
import tomllib

import pytest

from tests.deploy.conftest import PROJECT, ROOT, SCRIPT, SHEET_ID, Deployer, app_copy, entry_points

SECRETS = ("TTR_SECRET_KEY", "TTR_SYNC_TOKEN", "TRIX_API_KEY", "TTR_API_KEY", "WHATSAPP_TOKEN",
           "TTR_SERVER_TOKEN", "TTR_REMINDER_TOKEN", "SMTP_URL")
CANARIES = {name: f"canary-{name.lower()}-7f3a9c1e5b" for name in SECRETS}
MUTATING = {"create", "deploy", "enable", "add-iam-policy-binding", "add", "update"}
# What the issue and the brief say about access: public (IAM open, no token), private (IAM closed).
PUBLIC = {"web", "receipt", "promo_check"}
PRIVATE = {"reminders_http"}


def flag(command: list[str], name: str) -> str | None:
    for arg in command:
        if arg == f"--{name}":
            return ""
        if arg.startswith(f"--{name}="):
            return arg.split("=", 1)[1]
    return None


def verb(command: list[str]) -> str:
    return next(w for w in command if w in MUTATING | {"describe", "list", "get-iam-policy", "access"})


@pytest.fixture(scope="module")
def dry(tmp_path_factory):
    """One dry run with every secret given (canary values), a plain setting, and a kept build folder."""
    tmp = tmp_path_factory.mktemp("dry")
    run = Deployer(tmp).run("--sync-every", "10", "--build-dir", str(tmp / "build"),
                            env=dict(CANARIES, TRIX_MODEL="modele-de-test"), dry_run=True)
    run.build = tmp / "build"  # type: ignore[attr-defined]
    run.app = tmp / "app"  # type: ignore[attr-defined]
    return run


def test_dry_run_deploys_every_entry_point_with_its_trigger(dry):
    run = dry
    assert run.code == 0, run.err
    assert run.calls == []  # a dry run runs no gcloud at all
    deploys = run.deploys()
    expected = entry_points()
    assert len(expected) >= 8
    assert set(deploys) == {"ttr-" + name.replace("_", "-") for name in expected}
    sources = set()
    for name, kind in expected.items():
        cmd = deploys["ttr-" + name.replace("_", "-")]
        assert flag(cmd, "entry-point") == name
        assert flag(cmd, "gen2") == "" and flag(cmd, "runtime") == "python312"
        assert flag(cmd, "service-account") == f"ttr-gestion@{PROJECT}.iam.gserviceaccount.com"
        sources.add(flag(cmd, "source"))
        if kind == "cloud_event":
            topic = flag(cmd, "trigger-topic")
            assert topic and flag(cmd, "trigger-http") is None
            assert any(c[:4] == ["pubsub", "topics", "create", topic] for c in run.commands())
            assert flag(cmd, "no-allow-unauthenticated") == ""
        else:
            assert flag(cmd, "trigger-http") == "" and flag(cmd, "trigger-topic") is None
        if name in PUBLIC:
            assert flag(cmd, "allow-unauthenticated") == ""
        if name in PRIVATE:
            assert flag(cmd, "no-allow-unauthenticated") == "" and flag(cmd, "allow-unauthenticated") is None
    assert len(sources) == 1  # one source for every function


def test_dry_run_schedules_the_sync_and_the_reminders_through_pubsub(dry):
    run = dry
    jobs = {c[4]: c for c in run.commands() if c[:4] == ["scheduler", "jobs", "create", "pubsub"]}
    assert flag(jobs["ttr-sync"], "schedule") == "*/10 * * * *"
    assert flag(jobs["ttr-reminders"], "schedule") == "0 * * * *"
    topics = {f"projects/{PROJECT}/topics/{flag(d, 'trigger-topic')}": d
              for d in run.deploys().values() if flag(d, "trigger-topic")}
    assert flag(topics[flag(jobs["ttr-sync"], "topic")], "entry-point") == "sync_pubsub"
    assert flag(topics[flag(jobs["ttr-reminders"], "topic")], "entry-point") == "reminders_pubsub"


def test_dry_run_sets_the_environment_and_references_the_secrets(dry):
    run = dry
    for canary in CANARIES.values():
        assert canary not in run.out and canary not in run.err
    for cmd in run.deploys().values():
        refs = set(flag(cmd, "set-secrets").split(","))
        assert refs == {f"{name}={name}:latest" for name in SECRETS}
    settings = [line.split()[1] for line in run.out.splitlines() if line.startswith("#     ")]
    assert f"TTR_WORKBOOK={SHEET_ID}" in settings and "TTR_STATE=firestore" in settings
    assert "TRIX_MODEL=modele-de-test" in settings
    assert "TTR_PUBLIC_URL=<adresse" in settings  # the web function's own address, known after its deploy
    creates = [c for c in run.commands() if c[:2] == ["secrets", "create"]]
    assert {c[2] for c in creates} == set(SECRETS)
    assert all(flag(c, "data-file") == "-" for c in creates)  # the value goes on stdin


def test_dry_run_without_optional_secrets_generates_only_the_two_keys(deployer):
    run = deployer.run(dry_run=True)
    assert {c[2] for c in run.commands() if c[:2] == ["secrets", "create"]} == {"TTR_SECRET_KEY", "TTR_SYNC_TOKEN"}
    refs = flag(next(iter(run.deploys().values())), "set-secrets")
    assert refs == "TTR_SECRET_KEY=TTR_SECRET_KEY:latest,TTR_SYNC_TOKEN=TTR_SYNC_TOKEN:latest"


def resource(call: list[str]) -> str:
    """The resource a gcloud call is about, as the fake names it (group and target)."""
    words = [w for w in call if not w.startswith("--")]
    flags = dict(a[2:].split("=", 1) for a in call if a.startswith("--") and "=" in a)
    at = next(i for i, w in enumerate(words) if w in MUTATING | {"describe", "list", "get-iam-policy", "access"})
    rest = [w for w in words[at + 1:] if w != "pubsub"]
    target = rest[0] if rest else flags.get("database", "")
    if words[:2] == ["secrets", "versions"]:
        return f"secrets:{target if words[at] == 'add' else flags['secret']}"
    if words[:2] == ["iam", "service-accounts"] and words[at] == "create":
        target += f"@{flags['project']}.iam.gserviceaccount.com"
    return f"{' '.join(words[:at])}:{target}"


@pytest.fixture(scope="module")
def scenario(tmp_path_factory):
    """Four real runs against one fake project: a first deploy (the two keys generated, five secrets given),
    the same again, a changed TRIX_API_KEY, and a run with no secret in the environment at all."""
    tmp = tmp_path_factory.mktemp("scenario")
    deployer = Deployer(tmp)
    given = {k: v for k, v in CANARIES.items() if k not in ("TTR_SECRET_KEY", "TTR_SYNC_TOKEN")}
    runs = {"first": deployer.run(env=given)}
    runs["first_state"] = deployer.saved()
    runs["second"] = deployer.run(env=given)
    runs["second_state"] = deployer.saved()
    runs["rotated"] = deployer.run(env=dict(given, TRIX_API_KEY="nouvelle-cle-0123456789"))
    runs["rotated_state"] = deployer.saved()
    runs["bare"] = deployer.run()
    runs["bare_state"] = deployer.saved()
    return runs


def test_every_change_is_preceded_by_a_read_of_the_same_resource(scenario):
    first = scenario["first"]
    assert first.code == 0, first.err
    seen: set[str] = set()
    for call in first.calls:
        if verb(call) in ("describe", "get-iam-policy", "access", "list"):
            seen.add(resource(call))
        elif call[:2] != ["services", "enable"]:
            assert resource(call) in seen, call
    kinds = {(c[0], verb(c)) for c in first.calls}
    assert {("iam", "create"), ("firestore", "create"), ("secrets", "create"), ("pubsub", "create"),
            ("functions", "deploy"), ("scheduler", "create")} <= kinds


def test_secrets_go_on_stdin_never_on_a_command_line_nor_to_the_screen(scenario):
    state = scenario["first_state"]
    for name in SECRETS[2:]:
        assert state[f"secret/{name}"] == CANARIES[name]  # what Secret Manager received, on stdin
    generated = [state["secret/TTR_SECRET_KEY"], state["secret/TTR_SYNC_TOKEN"]]
    assert all(len(v) >= 32 for v in generated) and generated[0] != generated[1]
    for value in [*CANARIES.values(), *generated, "nouvelle-cle-0123456789"]:
        assert not any(value in arg for run in ("first", "rotated") for call in scenario[run].calls for arg in call)
        for run in ("first", "second", "rotated", "bare"):
            assert value not in scenario[run].out and value not in scenario[run].err


def test_a_second_run_changes_nothing(scenario):
    second = scenario["second"]
    assert second.code == 0, second.err
    assert [c for c in second.calls if verb(c) in MUTATING] == []
    assert second.out.count("inchangée, non redéployée") == len(entry_points())
    assert scenario["second_state"] == scenario["first_state"]


def test_a_changed_secret_is_a_new_version_and_the_functions_restart_with_it(scenario):
    rotated = scenario["rotated"]
    assert rotated.code == 0, rotated.err
    changes = [c for c in rotated.calls if verb(c) in MUTATING]
    assert [c[:4] for c in changes if c[0] == "secrets"] == [["secrets", "versions", "add", "TRIX_API_KEY"]]
    assert {c[2] for c in changes if c[:2] == ["functions", "deploy"]} == {
        "ttr-" + n.replace("_", "-") for n in entry_points()}
    assert [c for c in changes if c[:2] != ["functions", "deploy"] and c[0] != "secrets"] == []
    state = scenario["rotated_state"]
    assert state["secret/TRIX_API_KEY"] == "nouvelle-cle-0123456789" and state["version/TRIX_API_KEY"] == "2\n"
    for key in ("TTR_SECRET_KEY", "TTR_SYNC_TOKEN"):  # generated once, never regenerated
        assert state[f"secret/{key}"] == scenario["first_state"][f"secret/{key}"]


def test_a_run_without_the_secrets_in_the_environment_keeps_them(scenario):
    bare = scenario["bare"]
    assert bare.code == 0, bare.err
    assert [c for c in bare.calls if verb(c) in MUTATING] == []
    assert scenario["bare_state"] == scenario["rotated_state"]
    assert "TRIX_API_KEY : existe déjà, gardé tel quel." in bare.out


def test_the_urls_and_the_manual_step_end_the_run(scenario):
    out = scenario["first"].out
    assert "web                public   https://ttr-web-abc123-ew.a.run.app" in out
    last = out.split("Une dernière étape")[1]
    assert f"ttr-gestion@{PROJECT}.iam.gserviceaccount.com" in last and "Éditeur" in last
    deploys = [c for c in scenario["first"].calls if c[:2] == ["functions", "deploy"]]
    assert [c[2] for c in deploys][:2] == ["ttr-web", "ttr-web"]  # again, with its own address
    env_file = [a for a in deploys[-1] if a.startswith("--env-vars-file=")]
    assert env_file  # the file is gone with the run; its content is in the digest label


def test_a_new_entry_point_cannot_be_forgotten(tmp_path):
    app = app_copy(tmp_path / "app")
    main = (app / "main.py").read_text(encoding="utf-8")
    main += ('\n\n@functions_framework.http\ndef stock_report(request):\n    return "ok"\n'
             '\n\n@functions_framework.cloud_event\ndef nightly_backup(cloud_event):\n    return None\n')
    (app / "main.py").write_text(main, encoding="utf-8")
    run = Deployer(tmp_path, app).run(dry_run=True)
    assert run.code == 0, run.err
    deploys = run.deploys()
    report, backup = deploys["ttr-stock-report"], deploys["ttr-nightly-backup"]
    assert flag(report, "entry-point") == "stock_report" and flag(report, "no-allow-unauthenticated") == ""
    assert flag(report, "allow-unauthenticated") is None
    assert flag(backup, "trigger-topic") == "ttr-nightly-backup"
    assert ["pubsub", "topics", "create", "ttr-nightly-backup"] in [c[:4] for c in run.commands()]
    assert "stock_report n'est pas dans le tableau" in run.err
    assert len(deploys) == len(entry_points()) + 2


def test_the_build_folder_holds_the_code_and_the_requirements(dry):
    build = dry.build
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    lines = [x for x in (build / "requirements.txt").read_text().splitlines() if not x.startswith("#")]
    assert lines == deps
    assert (build / "main.py").read_text() == (dry.app / "main.py").read_text()
    assert (build / "functions" / "business.py").is_file() and (build / "templates").is_dir()
    assert (build / "sheets_schema").is_dir()
    assert not (build / "tests").exists() and not (build / "bench").exists()
    assert not list(build.rglob("__pycache__")) and not (build / "pyproject.toml").exists()


@pytest.mark.parametrize(("args", "env", "message"), [
    (["--sheet", "pas-une-feuille"], {}, "n'est ni l'adresse ni l'identifiant"),
    (["--region", "Europe West"], {}, "région invalide"),
    (["--sync-every", "0"], {}, "entre 1 et 59"),
    ([], {"TTR_SERVER_TOKEN": "court"}, "au moins 16 caractères"),
    ([], {"TRIX_IMAGE_BUCKET": "Mon Bucket"}, "nom de bucket invalide"),
    (["--bogus"], {}, "option inconnue"),
])
def test_bad_arguments_stop_before_any_gcloud_call(deployer, args, env, message):
    run = deployer.run(*args, env=env)
    assert run.code != 0 and message in run.err
    assert run.calls == []


def test_project_is_required(deployer):
    done = subprocess.run(["bash", str(SCRIPT), "--sheet", SHEET_ID, "--dry-run"], capture_output=True, text=True)
    assert done.returncode != 0 and "--project" in done.stderr


def test_env_file_refuses_secrets(deployer, tmp_path):
    (tmp_path / "reglages.env").write_text("TRIX_MODEL=m\nTRIX_API_KEY=ne-pas-mettre-ici\n")
    run = deployer.run("--env-file", str(tmp_path / "reglages.env"), dry_run=True)
    assert run.code != 0 and "est un secret" in run.err and "ne-pas-mettre-ici" not in run.err + run.out


def test_shellcheck_is_clean():
    if shutil.which("shellcheck") is None:
        pytest.skip("shellcheck n'est pas installé (apt-get install shellcheck ; .ci/run l'installe)")
    done = subprocess.run(["shellcheck", "--severity=style", str(SCRIPT)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout
    head = SCRIPT.read_text().splitlines()[:20]
    assert "set -euo pipefail" in head


def test_gcloudignore_leaves_out_tests_benches_workbooks_and_state(tmp_path):
    if shutil.which("gcloud") is None:
        pytest.skip("gcloud n'est pas installé : la liste des fichiers envoyés ne peut pas être calculée")
    src = tmp_path / "src"
    for rel in ("main.py", "functions/x.py", "functions/__pycache__/x.cpython-312.pyc", "templates/a.html",
                "docs/manuel.md", "tests/test_x.py", "bench/b.py", "ttr.xlsx", "ttr.state.sqlite",
                "ttr.state.sqlite-wal", "ttr.xlsx.lock", ".git/HEAD", ".pytest_cache/x", "docs/_build/x.html",
                "requirements.txt", "sheets_schema/clients.toml"):
        (src / rel).parent.mkdir(parents=True, exist_ok=True)
        (src / rel).write_text("x")
    shutil.copy(ROOT / ".gcloudignore", src / ".gcloudignore")
    done = subprocess.run(["gcloud", "meta", "list-files-for-upload", str(src)], capture_output=True, text=True,
                          env={"PATH": "/usr/bin:/bin", "CLOUDSDK_CONFIG": str(tmp_path / "cfg")}, timeout=60)
    assert done.returncode == 0, done.stderr
    uploaded = {p.replace("\\", "/") for p in done.stdout.split()}
    assert uploaded == {"main.py", "functions/x.py", "templates/a.html", "docs/manuel.md", "requirements.txt",
                        "sheets_schema/clients.toml"}


BUCKET = f"{PROJECT}-ttr-images"
RUNTIME_MEMBER = f"serviceAccount:ttr-gestion@{PROJECT}.iam.gserviceaccount.com"


def test_dry_run_creates_the_private_image_bucket_and_passes_it_to_the_functions(dry):
    commands = dry.commands()
    create = next(c for c in commands if c[:3] == ["storage", "buckets", "create"])
    assert create[3] == f"gs://{BUCKET}" and flag(create, "location") == "europe-west1"
    assert flag(create, "uniform-bucket-level-access") == "" and flag(create, "public-access-prevention") == ""
    assert commands[commands.index(create) - 1][:4] == ["storage", "buckets", "describe", f"gs://{BUCKET}"]
    grants = [c for c in commands if c[:3] == ["storage", "buckets", "add-iam-policy-binding"]]
    assert [(c[3], flag(c, "role"), flag(c, "member")) for c in grants] == [
        (f"gs://{BUCKET}", "roles/storage.objectAdmin", RUNTIME_MEMBER)]  # no allUsers: the bucket stays private
    enable = next(c for c in commands if c[:2] == ["services", "enable"])
    assert "storage.googleapis.com" in enable
    settings = [line.split()[1] for line in dry.out.splitlines() if line.startswith("#     ")]
    deploys = [c for c in commands if c[:2] == ["functions", "deploy"]]  # the web app twice (its own address)
    assert settings.count(f"TRIX_IMAGE_BUCKET={BUCKET}") == len(deploys) > len(dry.deploys())


def test_the_image_bucket_is_created_once_and_granted_once(scenario):
    first = scenario["first"]
    assert [c[3] for c in first.calls if c[:3] == ["storage", "buckets", "create"]] == [f"gs://{BUCKET}"]
    key = f"storage_buckets_gs___{BUCKET}"
    state = scenario["first_state"]
    assert f"r/{key}" in state and state[f"b/{key}"] == f"roles/storage.objectAdmin\t{RUNTIME_MEMBER}\n"
    for run in ("second", "rotated", "bare"):
        assert not [c for c in scenario[run].calls if c[:2] == ["storage", "buckets"] and verb(c) in MUTATING]
        assert f"Bucket gs://{BUCKET} : existe déjà." in scenario[run].out


def test_a_named_image_bucket_from_the_env_file(deployer, tmp_path):
    (tmp_path / "reglages.env").write_text("TRIX_IMAGE_BUCKET=gs://chez-awa-images\n")
    run = deployer.run("--env-file", str(tmp_path / "reglages.env"), dry_run=True)
    assert run.code == 0, run.err
    assert [c[3] for c in run.commands() if c[:3] == ["storage", "buckets", "create"]] == ["gs://chez-awa-images"]
    assert "#     TRIX_IMAGE_BUCKET=chez-awa-images" in run.out
