#!/usr/bin/env bash
# deploy.sh — from a Google Cloud project and a Google Sheet to a running TTR Gestion, in one command.
#
#   ./deploy.sh --project mon-projet --sheet 'https://docs.google.com/spreadsheets/d/…/edit' [--region europe-west1]
#   ./deploy.sh … --dry-run      # prints every gcloud command, runs none
#
# What it does (docs/DEPLOY.md, in French, says it step by step): enables the APIs, creates three service
# accounts (runtime, invoker, build) with only the roles they need, the Firestore database, the private
# Cloud Storage bucket of the product images, the secrets,
# the Pub/Sub topics, deploys EVERY entry point of main.py (found by parsing main.py, so a new one cannot be
# forgotten) from one prepared source folder, creates the Cloud Scheduler jobs, prints the URLs and the
# one manual step. Every create is preceded by a describe, and a function whose source and settings have
# not changed is not redeployed (a label holds their digest): a second run changes nothing.
#
# Secrets are read from the environment (TRIX_API_KEY, TTR_API_KEY, WHATSAPP_TOKEN, TTR_SERVER_TOKEN,
# TTR_SYNC_TOKEN, TTR_REMINDER_TOKEN, SMTP_URL), sent to Secret Manager on stdin, and never printed.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
RUNTIME="python312"
export CLOUDSDK_CORE_DISABLE_PROMPTS=1

# Secrets generated once when missing (never regenerated), and secrets taken from the environment.
GENERATED_SECRETS="TTR_SECRET_KEY TTR_SYNC_TOKEN"
OPTIONAL_SECRETS="TRIX_API_KEY TTR_API_KEY WHATSAPP_TOKEN TTR_SERVER_TOKEN TTR_REMINDER_TOKEN SMTP_URL"
# Plain settings passed to the functions when given (environment or --env-file).
PLAIN_SETTINGS="TRIX_BASE_URL TRIX_MODEL TRIX_IMAGE_MODEL TRIX_IMAGE_BUCKET ABT_URL TTR_ALLOWED_ORIGINS WHATSAPP_PHONE_NUMBER_ID
WHATSAPP_API_URL SMTP_FROM CLOUDFLARE_PROXY_URL NEXT_PUBLIC_CLOUDFLARE_PROXY_URL TTR_PROMO_MAX_AMOUNT
TTR_PROMO_MAX_FAILS_IP TTR_PROMO_MAX_FAILS_BUSINESS TTR_PROMO_FAIL_WINDOW"
APIS="cloudresourcemanager.googleapis.com iam.googleapis.com serviceusage.googleapis.com
cloudfunctions.googleapis.com run.googleapis.com cloudbuild.googleapis.com artifactregistry.googleapis.com
eventarc.googleapis.com pubsub.googleapis.com cloudscheduler.googleapis.com sheets.googleapis.com
drive.googleapis.com firestore.googleapis.com secretmanager.googleapis.com logging.googleapis.com
storage.googleapis.com"

# The per-entry-point table: trigger, access, memory, timeout, max instances, and for a CloudEvent
# function the job whose Pub/Sub topic triggers it. Access: "public" (anyone; the function decides, e.g.
# the login of the web app), "token" (reachable by anyone, the function demands a shared token:
# X-TTR-Token or the server token), "private" (only the invoker service account, checked by Cloud Run).
# sync_http is "token", not private: the Apps Script of the sheet calls it with X-TTR-Token and cannot
# present a Google identity token. An entry point missing here is still deployed, private, with a warning.
spec_for() {
  case "$1" in
    web)              echo "http public 512Mi 60s 5" ;;
    receipt)          echo "http public 512Mi 60s 5" ;;
    promo_check)      echo "http public 256Mi 30s 5" ;;
    promo_approve)    echo "http token 256Mi 60s 2" ;;
    trix_chat)        echo "http token 512Mi 300s 3" ;;
    sync_http)        echo "http token 512Mi 300s 1" ;;
    reminders_http)   echo "http private 512Mi 300s 1" ;;
    sync_pubsub)      echo "cloud_event private 512Mi 300s 1 sync" ;;
    reminders_pubsub) echo "cloud_event private 512Mi 300s 1 reminders" ;;
    *) return 1 ;;
  esac
}

# Cloud Scheduler: the sync every few minutes; the reminders every hour (the reminders code sends once a
# day, at the business's reminder hour in the business's own time zone, and catches up on later runs).
schedule_for() {
  case "$1" in
    sync)      echo "*/$SYNC_EVERY * * * *" ;;
    reminders) echo "0 * * * *" ;;
    *) return 1 ;;
  esac
}

usage() {
  cat <<'EOF'
Usage : ./deploy.sh --project ID --sheet URL_OU_ID [options]

  --project ID            projet Google Cloud (obligatoire)
  --sheet URL_OU_ID       la Google Sheet de l'entreprise : son adresse ou son identifiant (obligatoire)
  --region REGION         région des fonctions et des tâches planifiées (défaut : europe-west1)
  --firestore-location L  emplacement de la base Firestore si elle est créée (défaut : la région)
  --sync-every MINUTES    fréquence de la synchronisation planifiée (défaut : 5)
  --env-file FICHIER      réglages non secrets (CLE=valeur par ligne), ex. TRIX_MODEL=…
  --build-dir DOSSIER     prépare le code dans ce dossier (neuf) et le garde (sinon : dossier temporaire)
  --force                 redéploie chaque fonction même si rien n'a changé
  --dry-run               affiche chaque commande gcloud sans en lancer aucune

Secrets lus dans l'environnement s'ils sont donnés (jamais affichés) :
  TRIX_API_KEY TTR_API_KEY WHATSAPP_TOKEN TTR_SERVER_TOKEN TTR_SYNC_TOKEN TTR_REMINDER_TOKEN SMTP_URL
TTR_SECRET_KEY et TTR_SYNC_TOKEN sont générés au premier déploiement, puis jamais régénérés.
Images de produits : bucket Cloud Storage privé <projet>-ttr-images (autre nom : TRIX_IMAGE_BUCKET=…).
Guide pas à pas : docs/DEPLOY.md
EOF
}

say() { printf '%s\n' "$*"; }
exec 3>&1  # the printed commands go to the original stdout, even from inside $(…)
step() { printf '\n==> %s\n' "$*"; }
warn() { printf 'ATTENTION : %s\n' "$*" >&2; }
die() { printf 'ERREUR : %s\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------------------------------------------------
# Running gcloud. Every command is printed; --dry-run runs none. --project is added to every command.

quote() {
  local out="" arg
  for arg in "$@"; do
    if [[ $arg =~ ^[A-Za-z0-9_./:=,@+%-]+$ ]]; then
      out+=" $arg"
    else
      out+=" '${arg//\'/\'\\\'\'}'"
    fi
  done
  printf '%s' "${out# }"
}

show() { say "+ gcloud $(quote "$@" "--project=$PROJECT")${SHOW_NOTE:+  # $SHOW_NOTE}" >&3; }

# A command that changes something.
gc() {
  show "$@"
  if ((DRY_RUN)); then return 0; fi
  gcloud "$@" "--project=$PROJECT"
}

# A command that changes something, with a secret value on stdin (never on the command line).
gc_secret() {
  local value=$1
  shift
  SHOW_NOTE="valeur secrète sur l'entrée standard, jamais affichée" show "$@"
  if ((DRY_RUN)); then return 0; fi
  printf '%s' "$value" | gcloud "$@" "--project=$PROJECT" >/dev/null
}

# A describe: true when the resource exists (a dry run counts everything as missing).
probe() {
  show "$@"
  if ((DRY_RUN)); then return 1; fi
  gcloud "$@" "--project=$PROJECT" >/dev/null 2>&1
}

# A read (describe with --format, list, get-iam-policy): its output, or nothing when it fails.
query() {
  show "$@"
  if ((DRY_RUN)); then return 0; fi
  gcloud "$@" "--project=$PROJECT" 2>/dev/null || true
}

# A role for a member on a resource ("projects P", "secrets S", "run services S --region=R"), added only
# when the resource's policy does not already hold it.
ensure_binding() {
  local -a resource
  read -r -a resource <<<"$1"
  local last=$((${#resource[@]} - 1)) role=$2 member=$3 policy tab=$'\t'
  local -a group=("${resource[@]:0:last}")
  local target=${resource[last]}
  shift 3
  policy="$(query "${group[@]}" get-iam-policy "$target" "$@" '--flatten=bindings[].members' \
    '--format=value(bindings.role,bindings.members)')"
  if grep -qxF "$role$tab$member" <<<"$policy"; then
    return 0
  fi
  local -a extra=()
  if [[ ${resource[0]} == projects ]]; then extra=(--condition=None); fi
  gc "${group[@]}" add-iam-policy-binding "$target" "$@" "--member=$member" "--role=$role" \
    ${extra[@]+"${extra[@]}"} >/dev/null
}

hash_text() { python3 -c 'import hashlib, sys; print(hashlib.sha256(sys.stdin.buffer.read()).hexdigest()[:40])'; }

# ---------------------------------------------------------------------------------------------------------
# Arguments.

PROJECT="" SHEET="" REGION="europe-west1" FIRESTORE_LOCATION="" SYNC_EVERY=5 ENV_FILE="" BUILD_DIR=""
DRY_RUN=0 FORCE=0
while (($#)); do
  case "$1" in
    --project | --sheet | --region | --firestore-location | --sync-every | --env-file | --build-dir)
      (($# >= 2)) || die "l'option $1 attend une valeur."
      opt=$1 val=$2
      shift 2
      ;;
    --project=* | --sheet=* | --region=* | --firestore-location=* | --sync-every=* | --env-file=* | --build-dir=*)
      opt=${1%%=*} val=${1#*=}
      shift
      ;;
    --dry-run) DRY_RUN=1 && shift && continue ;;
    --force) FORCE=1 && shift && continue ;;
    -h | --help) usage && exit 0 ;;
    *) usage >&2 && die "option inconnue : $1" ;;
  esac
  case "$opt" in
    --project) PROJECT=$val ;;
    --sheet) SHEET=$val ;;
    --region) REGION=$val ;;
    --firestore-location) FIRESTORE_LOCATION=$val ;;
    --sync-every) SYNC_EVERY=$val ;;
    --env-file) ENV_FILE=$val ;;
    --build-dir) BUILD_DIR=$val ;;
  esac
done

[[ -n $PROJECT ]] || die "indiquez le projet Google Cloud : --project ID (voir docs/DEPLOY.md)."
[[ -n $SHEET ]] || die "indiquez la Google Sheet : --sheet URL_OU_ID (voir docs/DEPLOY.md)."
[[ $PROJECT =~ ^[a-z][a-z0-9.:-]{4,62}[a-z0-9]$ ]] || die "identifiant de projet invalide : « $PROJECT »."
[[ $REGION =~ ^[a-z]+-[a-z]+[0-9]+$ ]] || die "région invalide : « $REGION » (ex. europe-west1)."
FIRESTORE_LOCATION=${FIRESTORE_LOCATION:-$REGION}
[[ $FIRESTORE_LOCATION =~ ^[a-z0-9-]+$ ]] || die "emplacement Firestore invalide : « $FIRESTORE_LOCATION »."
if ! [[ $SYNC_EVERY =~ ^[0-9]+$ ]] || ((SYNC_EVERY < 1 || SYNC_EVERY > 59)); then
  die "--sync-every attend un nombre de minutes entre 1 et 59."
fi
if [[ $SHEET =~ /spreadsheets/d/([A-Za-z0-9_-]{20,}) ]]; then
  SHEET_ID=${BASH_REMATCH[1]}
elif [[ $SHEET =~ ^[A-Za-z0-9_-]{25,}$ ]]; then
  SHEET_ID=$SHEET
else
  die "« $SHEET » n'est ni l'adresse ni l'identifiant d'une Google Sheet (https://docs.google.com/spreadsheets/d/…)."
fi

if [[ -n $ENV_FILE ]]; then
  [[ -r $ENV_FILE ]] || die "fichier de réglages illisible : $ENV_FILE"
  while IFS= read -r line || [[ -n $line ]]; do
    [[ $line =~ ^[[:space:]]*(#|$) ]] && continue
    [[ $line =~ ^[[:space:]]*(export[[:space:]]+)?([A-Z_][A-Z0-9_]*)=(.*)$ ]] ||
      die "$ENV_FILE : ligne illisible (attendu CLE=valeur) : $line"
    key=${BASH_REMATCH[2]} value=${BASH_REMATCH[3]}
    [[ $value =~ ^\"(.*)\"$ || $value =~ ^\'(.*)\'$ ]] && value=${BASH_REMATCH[1]}
    case " $GENERATED_SECRETS $OPTIONAL_SECRETS " in
      *" $key "*) die "$ENV_FILE : $key est un secret ; donnez-le dans l'environnement, pas dans un fichier." ;;
    esac
    [[ " $(echo "$PLAIN_SETTINGS" | tr '\n' ' ') " == *" $key "* ]] || die "$ENV_FILE : réglage inconnu : $key"
    [[ -n ${!key:-} ]] || export "$key=$value"
  done <"$ENV_FILE"
fi

# The product images' bucket: <project>-ttr-images unless named (bucket names are global; no dots, so no
# domain verification is needed).
TRIX_IMAGE_BUCKET=${TRIX_IMAGE_BUCKET:-$(tr ':.' '--' <<<"$PROJECT")-ttr-images}
TRIX_IMAGE_BUCKET=${TRIX_IMAGE_BUCKET#gs://}
[[ $TRIX_IMAGE_BUCKET =~ ^[a-z0-9][a-z0-9_-]{1,61}[a-z0-9]$ ]] ||
  die "nom de bucket invalide : « $TRIX_IMAGE_BUCKET » (TRIX_IMAGE_BUCKET : minuscules, chiffres, tirets ; 3 à 63 caractères)."
export TRIX_IMAGE_BUCKET
if [[ -n ${TTR_SERVER_TOKEN:-} && ${#TTR_SERVER_TOKEN} -lt 16 ]]; then
  die "TTR_SERVER_TOKEN doit compter au moins 16 caractères."
fi
command -v python3 >/dev/null 2>&1 || die "python3 est nécessaire (3.11 ou plus récent)."
python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' ||
  die "python3 3.11 ou plus récent est nécessaire (tomllib) ; Cloud Shell convient."
if ((!DRY_RUN)); then
  command -v gcloud >/dev/null 2>&1 || die "gcloud est introuvable : utilisez Cloud Shell ou installez le Google Cloud SDK."
fi
[[ -f $ROOT/main.py && -f $ROOT/pyproject.toml ]] || die "main.py et pyproject.toml introuvables à côté de deploy.sh."

# ---------------------------------------------------------------------------------------------------------
# The entry points of main.py: every function decorated with @functions_framework.http / .cloud_event.

ENTRY_POINTS="$(python3 - "$ROOT/main.py" <<'PY'
import ast, sys

tree = ast.parse(open(sys.argv[1], encoding="utf-8").read())
for node in tree.body:
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        for deco in node.decorator_list:
            target = deco.func if isinstance(deco, ast.Call) else deco
            if (isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name)
                    and target.value.id == "functions_framework" and target.attr in ("http", "cloud_event")):
                print(node.name, target.attr)
PY
)"
[[ -n $ENTRY_POINTS ]] || die "aucun point d'entrée @functions_framework dans main.py."

FUNCS=""  # lines: entry kind access memory timeout max job
while read -r entry kind; do
  if spec="$(spec_for "$entry")"; then
    read -r want _ <<<"$spec"
    [[ $want == "$kind" ]] || die "main.py : $entry est « $kind » mais le tableau de deploy.sh dit « $want »."
  elif [[ $kind == http ]]; then
    warn "$entry n'est pas dans le tableau de deploy.sh : déployée privée (aucun accès public)."
    spec="http private 512Mi 60s 2"
  else
    warn "$entry n'est pas dans le tableau de deploy.sh : déployée sur le sujet ttr-${entry//_/-}, sans tâche planifiée."
    spec="cloud_event private 512Mi 300s 1 ${entry//_/-}"
  fi
  FUNCS+="$entry $spec"$'\n'
done <<<"$ENTRY_POINTS"
# The web app first: the others need its address (TTR_PUBLIC_URL).
FUNCS="$(grep '^web ' <<<"$FUNCS" || true)"$'\n'"$(grep -v '^web ' <<<"$FUNCS" || true)"

fn_name() { printf 'ttr-%s' "$(tr 'A-Z_' 'a-z-' <<<"$1")"; }

RUNTIME_SA="ttr-gestion@$PROJECT.iam.gserviceaccount.com"
INVOKER_SA="ttr-invoker@$PROJECT.iam.gserviceaccount.com"
BUILD_SA="ttr-build@$PROJECT.iam.gserviceaccount.com"

say "TTR Gestion → projet $PROJECT, région $REGION, feuille $SHEET_ID$( ((DRY_RUN)) && printf ' (essai : aucune commande lancée)')"
say "Points d'entrée de main.py : $(awk 'NF {printf "%s%s", sep, $1; sep=", "}' <<<"$FUNCS")"

# ---------------------------------------------------------------------------------------------------------
step "Préparation du code (un seul dossier pour toutes les fonctions)"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/ttr-deploy.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
if [[ -n $BUILD_DIR ]]; then
  [[ ! -e $BUILD_DIR || -z "$(ls -A "$BUILD_DIR")" ]] || die "--build-dir doit être un dossier neuf ou vide : $BUILD_DIR"
  mkdir -p "$BUILD_DIR"
  SOURCE="$(cd "$BUILD_DIR" && pwd)"
else
  SOURCE="$WORK/source"
fi
read -r SOURCE_DIGEST DEP_COUNT < <(python3 - "$ROOT" "$SOURCE" <<'PY'
import hashlib, os, shutil, sys, tomllib

root, build = sys.argv[1], sys.argv[2]
with open(os.path.join(root, "pyproject.toml"), "rb") as f:
    deps = tomllib.load(f)["project"]["dependencies"]
os.makedirs(build, exist_ok=True)
skip = shutil.ignore_patterns("__pycache__", "*.pyc", "*.xlsx", "*.sqlite*", "*.lock", ".*")
shutil.copy2(os.path.join(root, "main.py"), build)
for name in ("functions", "sheets_schema", "templates"):
    if os.path.isdir(os.path.join(root, name)):
        shutil.copytree(os.path.join(root, name), os.path.join(build, name), ignore=skip)
if os.path.isfile(os.path.join(root, "docs", "manuel.md")):  # TRIX reads the manual
    os.makedirs(os.path.join(build, "docs"), exist_ok=True)
    shutil.copy2(os.path.join(root, "docs", "manuel.md"), os.path.join(build, "docs"))
if os.path.isfile(os.path.join(root, ".gcloudignore")):
    shutil.copy2(os.path.join(root, ".gcloudignore"), build)
with open(os.path.join(build, "requirements.txt"), "w", encoding="utf-8") as f:
    f.write("# Generated by deploy.sh from pyproject.toml ([project] dependencies).\n")
    f.write("".join(dep + "\n" for dep in deps))
digest = hashlib.sha256()
for folder, dirs, files in sorted(os.walk(build)):
    dirs.sort()
    for name in sorted(files):
        path = os.path.join(folder, name)
        digest.update(os.path.relpath(path, build).encode() + b"\0")
        with open(path, "rb") as f:
            digest.update(hashlib.sha256(f.read()).digest())
print(digest.hexdigest()[:40], len(deps))
PY
)
[[ -n ${SOURCE_DIGEST:-} ]] || die "la préparation du code a échoué."
say "Code prêt dans $SOURCE (requirements.txt : $DEP_COUNT dépendances, empreinte $SOURCE_DIGEST)."

# ---------------------------------------------------------------------------------------------------------
step "API Google Cloud"

PROJECT_NUMBER="$(query projects describe "$PROJECT" '--format=value(projectNumber)')"
ENABLED="$(query services list --enabled '--format=value(config.name)')"
MISSING=""
for api in $APIS; do
  grep -qxF "$api" <<<"$ENABLED" || MISSING+=" $api"
done
if [[ -n $MISSING ]]; then
  # shellcheck disable=SC2086  # one word per API
  gc services enable $MISSING
else
  say "Toutes les API nécessaires sont déjà activées."
fi

# ---------------------------------------------------------------------------------------------------------
step "Comptes de service"

ensure_service_account() {
  local email=$1 label=$2
  if probe iam service-accounts describe "$email"; then
    say "Compte $email : existe déjà."
  else
    gc iam service-accounts create "${email%%@*}" "--display-name=$label"
  fi
}
ensure_service_account "$RUNTIME_SA" "TTR Gestion (fonctions)"
ensure_service_account "$INVOKER_SA" "TTR Gestion (appels planifiés et Pub/Sub)"
ensure_service_account "$BUILD_SA" "TTR Gestion (construction du code)"

# Runtime: Firestore (the state store); its secrets are granted one by one below; the sheet is shared by
# hand. Invoker: receives the Pub/Sub events (Eventarc) and invokes the private functions (granted per
# function after their deploy). Build: builds the functions' images (Cloud Build).
ensure_binding "projects $PROJECT" roles/datastore.user "serviceAccount:$RUNTIME_SA"
ensure_binding "projects $PROJECT" roles/eventarc.eventReceiver "serviceAccount:$INVOKER_SA"
ensure_binding "projects $PROJECT" roles/cloudbuild.builds.builder "serviceAccount:$BUILD_SA"
# Pub/Sub's own agent signs the identity tokens of the pushes (needed on projects older than April 2021).
if [[ -n $PROJECT_NUMBER ]] || ((DRY_RUN)); then
  ensure_binding "projects $PROJECT" roles/iam.serviceAccountTokenCreator \
    "serviceAccount:service-${PROJECT_NUMBER:-NUMERO_DU_PROJET}@gcp-sa-pubsub.iam.gserviceaccount.com"
fi

# ---------------------------------------------------------------------------------------------------------
step "Base Firestore (mode natif)"

DB_TYPE="$(query firestore databases describe '--database=(default)' '--format=value(type)')"
case "$DB_TYPE" in
  "") gc firestore databases create '--database=(default)' "--location=$FIRESTORE_LOCATION" --type=firestore-native ;;
  FIRESTORE_NATIVE) say "La base Firestore (default) existe déjà, en mode natif." ;;
  *) die "la base Firestore (default) de ce projet est en mode $DB_TYPE : TTR Gestion a besoin du mode natif." ;;
esac

# ---------------------------------------------------------------------------------------------------------
step "Bucket des images de produits (Cloud Storage)"

# Private: uniform bucket-level access, public access prevented. The web app streams an image to the
# browser (/trix/images/<nom>) with the runtime account, which alone may write and read the objects.
IMAGE_BUCKET_URL="gs://$TRIX_IMAGE_BUCKET"
if probe storage buckets describe "$IMAGE_BUCKET_URL"; then
  say "Bucket $IMAGE_BUCKET_URL : existe déjà."
else
  gc storage buckets create "$IMAGE_BUCKET_URL" "--location=$REGION" --uniform-bucket-level-access \
    --public-access-prevention ||
    die "le bucket $IMAGE_BUCKET_URL n'a pas pu être créé (nom déjà pris ailleurs ?) : choisissez un autre nom avec TRIX_IMAGE_BUCKET=…"
fi
ensure_binding "storage buckets $IMAGE_BUCKET_URL" roles/storage.objectAdmin "serviceAccount:$RUNTIME_SA"

# ---------------------------------------------------------------------------------------------------------
step "Secrets (Secret Manager)"

SECRET_REFS=""   # --set-secrets value
SECRET_STATE=""  # the secrets' latest versions, part of each function's digest
ensure_secret() {
  local name=$1 generated=$2 value exists=0 current
  value=${!name:-}
  if probe secrets describe "$name"; then exists=1; fi
  if [[ -n $value ]]; then
    if ((exists)); then
      show secrets versions access latest "--secret=$name"
      current="$(gcloud secrets versions access latest "--secret=$name" "--project=$PROJECT" 2>/dev/null || true)"
      if [[ $current == "$value" ]]; then
        say "$name : inchangé."
      else
        gc_secret "$value" secrets versions add "$name" --data-file=-
      fi
    else
      gc_secret "$value" secrets create "$name" --replication-policy=automatic --data-file=-
    fi
  elif ((!exists)); then
    if ((generated)); then
      value="$(python3 -c 'import secrets; print(secrets.token_urlsafe(48))')"
      gc_secret "$value" secrets create "$name" --replication-policy=automatic --data-file=-
      say "$name : généré (une seule fois ; jamais régénéré)."
    else
      say "$name : absent de l'environnement, non configuré."
      return 0
    fi
  else
    say "$name : existe déjà, gardé tel quel."
  fi
  ensure_binding "secrets $name" roles/secretmanager.secretAccessor "serviceAccount:$RUNTIME_SA"
  SECRET_REFS+="${SECRET_REFS:+,}$name=$name:latest"
  SECRET_STATE+="$name=$(query secrets versions describe latest "--secret=$name" '--format=value(name)');"
}
for name in $GENERATED_SECRETS; do ensure_secret "$name" 1; done
for name in $OPTIONAL_SECRETS; do ensure_secret "$name" 0; done

# ---------------------------------------------------------------------------------------------------------
step "Sujets Pub/Sub"

while read -r entry kind _ _ _ _ job; do
  [[ $kind == cloud_event ]] || continue
  if probe pubsub topics describe "ttr-$job"; then
    say "Sujet ttr-$job : existe déjà."
  else
    gc pubsub topics create "ttr-$job"
  fi
done <<<"$FUNCS"

# ---------------------------------------------------------------------------------------------------------
step "Fonctions (gen2, $RUNTIME)"

PUBLIC_URL=${TTR_PUBLIC_URL:-}
URL_GIVEN=0
[[ -n $PUBLIC_URL ]] && URL_GIVEN=1
WEB_FN="$(fn_name web)"

function_url() {
  if ((DRY_RUN)); then
    show functions describe "$1" --gen2 "--region=$REGION" '--format=value(serviceConfig.uri)'
    printf '<adresse de %s>' "$1"
  else
    query functions describe "$1" --gen2 "--region=$REGION" '--format=value(serviceConfig.uri)'
  fi
}

write_env() {  # the function's environment, as a YAML (JSON) file for --env-vars-file
  local file=$1 key
  local -a pairs=("TTR_WORKBOOK=$SHEET_ID" "TTR_STATE=firestore" "GOOGLE_CLOUD_PROJECT=$PROJECT"
    "TTR_TRUSTED_PROXIES=1" "TTR_REMINDER_INVOKER=$INVOKER_SA")
  [[ -n $PUBLIC_URL ]] && pairs+=("TTR_PUBLIC_URL=$PUBLIC_URL")
  for key in $PLAIN_SETTINGS; do
    [[ -n ${!key:-} ]] && pairs+=("$key=${!key}")
  done
  python3 -c 'import json, sys; print(json.dumps(dict(p.split("=", 1) for p in sys.argv[1:]), indent=1))' \
    "${pairs[@]}" >"$file"
  printf '%s\n' "${pairs[@]}"
}

deploy_function() {
  local entry=$1 kind=$2 access=$3 memory=$4 timeout=$5 max=$6 job=${7:-} fn env_file env_text digest current
  fn="$(fn_name "$entry")"
  env_file="$WORK/env-$fn.yaml"
  env_text="$(write_env "$env_file")"
  local -a args=(functions deploy "$fn" --gen2 "--region=$REGION" "--runtime=$RUNTIME" "--source=$SOURCE"
    "--entry-point=$entry" "--service-account=$RUNTIME_SA"
    "--build-service-account=projects/$PROJECT/serviceAccounts/$BUILD_SA"
    "--env-vars-file=$env_file" "--memory=$memory" "--timeout=$timeout" "--max-instances=$max"
    --serve-all-traffic-latest-revision)
  [[ -n $SECRET_REFS ]] && args+=("--set-secrets=$SECRET_REFS")
  if [[ $kind == cloud_event ]]; then
    # --retry: a failed event is redelivered by Pub/Sub (with backoff, up to 7 days) instead of dropped;
    # the sync and the reminders are idempotent, so a redelivery writes and sends nothing twice.
    args+=("--trigger-topic=ttr-$job" "--trigger-service-account=$INVOKER_SA" --no-allow-unauthenticated
      --retry)
  elif [[ $access == private ]]; then
    args+=(--trigger-http --no-allow-unauthenticated)
  else
    args+=(--trigger-http --allow-unauthenticated)
  fi
  digest="$(printf '%s\n' "$SOURCE_DIGEST" "$entry $kind $access $memory $timeout $max $job${job:+ retry}" "$env_text" \
    "$SECRET_REFS" "$SECRET_STATE" "$RUNTIME_SA $INVOKER_SA $BUILD_SA $RUNTIME" | hash_text)"
  args+=("--update-labels=ttr_config=$digest")
  current="$(query functions describe "$fn" --gen2 "--region=$REGION" '--format=value(labels.ttr_config)')"
  if [[ $current == "$digest" ]] && ((!FORCE)); then
    say "$fn ($entry) : inchangée, non redéployée."
  else
    gc "${args[@]}"
    if ((DRY_RUN)); then
      while IFS= read -r line; do say "#     $line"; done <<<"$env_text"
    fi
  fi
  if [[ $access == private ]]; then
    ensure_binding "run services $fn" roles/run.invoker "serviceAccount:$INVOKER_SA" "--region=$REGION"
  fi
}

# The web app's current address, when it is already deployed (so that an unchanged web is not redeployed).
if ((!URL_GIVEN)) && grep -q '^web ' <<<"$FUNCS"; then
  PUBLIC_URL="$(query functions describe "$WEB_FN" --gen2 "--region=$REGION" '--format=value(serviceConfig.uri)')"
fi
while read -r entry kind access memory timeout max job; do
  [[ -n $entry ]] || continue
  deploy_function "$entry" "$kind" "$access" "$memory" "$timeout" "$max" "$job"
  if [[ $entry == web ]] && ((!URL_GIVEN)); then
    url="$(function_url "$WEB_FN")"
    if [[ -n $url && $url != "$PUBLIC_URL" ]]; then
      say "Adresse publique de l'app : $url (TTR_PUBLIC_URL) ; la fonction web la reçoit aussi."
      PUBLIC_URL=$url
      deploy_function "$entry" "$kind" "$access" "$memory" "$timeout" "$max" "$job"
    fi
  fi
done <<<"$FUNCS"

# ---------------------------------------------------------------------------------------------------------
step "Tâches planifiées (Cloud Scheduler → Pub/Sub)"

while read -r entry kind _ _ _ _ job; do
  [[ $kind == cloud_event ]] || continue
  schedule="$(schedule_for "$job")" || { say "ttr-$job : aucune tâche planifiée (pas dans le tableau)."; continue; }
  # The topic is named in full: gcloud would resolve a bare "ttr-sync" against the default project.
  topic="projects/$PROJECT/topics/ttr-$job"
  body="{\"job\":\"$job\"}"
  wanted="$schedule"$'\t'"$topic"$'\t'"$(printf '%s' "$body" | base64 | tr -d '\n')"$'\t'Etc/UTC
  current="$(query scheduler jobs describe "ttr-$job" "--location=$REGION" \
    '--format=value(schedule,pubsubTarget.topicName,pubsubTarget.data,timeZone)')"
  spec=(pubsub "ttr-$job" "--location=$REGION" "--schedule=$schedule" "--topic=$topic"
    "--message-body=$body" --time-zone=Etc/UTC)
  if [[ -z $current ]]; then
    gc scheduler jobs create "${spec[@]}" "--description=TTR Gestion : $entry"
  elif [[ $current != "$wanted" ]]; then
    # Schedule, topic, message or time zone differ (an older deploy.sh, or a hand edit): repaired.
    gc scheduler jobs update "${spec[@]}"
  else
    say "Tâche ttr-$job ($schedule → $topic) : inchangée."
  fi
done <<<"$FUNCS"

# ---------------------------------------------------------------------------------------------------------
step "Adresses"

while read -r entry kind access _; do
  [[ $kind == http ]] || continue
  printf '  %-18s %-8s %s\n' "$entry" "$access" "$(function_url "$(fn_name "$entry")")"
done <<<"$FUNCS"
say ""
say "Jeton de synchronisation pour l'Apps Script (affichez-le vous-même, il n'est pas imprimé ici) :"
say "  gcloud secrets versions access latest --secret=TTR_SYNC_TOKEN --project=$PROJECT"

step "Une dernière étape, à faire à la main"
say "Partagez la Google Sheet avec ce compte, en tant qu'« Éditeur » :"
say ""
say "    $RUNTIME_SA"
say ""
say "Dans la feuille : Partager → collez l'adresse ci-dessus → Éditeur → décochez « Envoyer une notification » → Partager."
say "  https://docs.google.com/spreadsheets/d/$SHEET_ID/edit"
