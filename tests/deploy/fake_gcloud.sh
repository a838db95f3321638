#!/usr/bin/env bash
# A stateful stand-in for gcloud, enough for deploy.sh (bash, so that a hundred calls stay fast).
# It records every call (arguments separated by \x1f, one call a line, in $FAKE_GCLOUD_LOG; stdin is never
# logged) and remembers what was created under the directory $FAKE_GCLOUD_STATE, so that a describe
# answers "exists" or "NOT_FOUND" as Google Cloud would:
#   r/<key>        resources (created or deployed)      b/<key>   IAM bindings, "role<TAB>member" lines
#   secret/<name>  secret value    version/<name>  its latest version    label/<fn>  schedule/<job>  apis
set -u
S=$FAKE_GCLOUD_STATE
mkdir -p "$S/r" "$S/b" "$S/secret" "$S/version" "$S/label" "$S/schedule"
touch "$S/apis"
(IFS=$'\x1f' && printf '%s\n' "$*") >>"$FAKE_GCLOUD_LOG"

words=() && declare -A flag=()
for arg in "$@"; do
  case $arg in
    --*=*) name=${arg%%=*} && flag[${name#--}]=${arg#*=} ;;
    --*) flag[${arg#--}]="" ;;
    *) words+=("$arg") ;;
  esac
done
group="" verb="" rest=()
for w in "${words[@]}"; do
  if [[ -z $verb ]]; then
    case $w in
      describe | create | deploy | enable | list | get-iam-policy | add-iam-policy-binding | access | add | update) verb=$w ;;
      *) group+="${group:+ }$w" ;;
    esac
  else
    rest+=("$w")
  fi
done
[[ ${rest[0]:-} == pubsub ]] && rest=("${rest[@]:1}")
target=${rest[0]:-${flag[database]:-}}
key="$group:$target"
[[ $group == "iam service-accounts" && $verb == create ]] && key="$group:$target@${flag[project]}.iam.gserviceaccount.com"
file=${key//[^A-Za-z0-9._@-]/_}
fmt=${flag[format]:-}

case "$group/$verb" in
  projects/describe) echo 123456789012 ;;
  services/list) cat "$S/apis" ;;
  services/enable) printf '%s\n' "${rest[@]}" >>"$S/apis" ;;
  */get-iam-policy) cat "$S/b/$file" 2>/dev/null || true ;;
  */add-iam-policy-binding)
    line="${flag[role]}"$'\t'"${flag[member]}"
    grep -qxF "$line" "$S/b/$file" 2>/dev/null || printf '%s\n' "$line" >>"$S/b/$file"
    echo "bindings: …" ;;
  "secrets versions/access") cat "$S/secret/${flag[secret]}" 2>/dev/null || exit 1 ;;
  "secrets versions/describe")
    [[ -f $S/version/${flag[secret]} ]] || exit 1
    echo "projects/123456789012/secrets/${flag[secret]}/versions/$(cat "$S/version/${flag[secret]}")" ;;
  "secrets versions/add")
    cat >"$S/secret/$target"
    echo $(($(cat "$S/version/$target") + 1)) >"$S/version/$target" ;;
  */describe)
    if [[ ! -e $S/r/$file ]]; then
      echo "ERROR: (gcloud) NOT_FOUND: $key" >&2 && exit 1
    fi
    case $fmt in
      *serviceConfig.uri*) echo "https://$target-abc123-ew.a.run.app" ;;
      *labels.ttr_config*) cat "$S/label/$target" ;;
      *schedule*) cat "$S/schedule/$target" ;;
      *type*) echo FIRESTORE_NATIVE ;;
      *) echo "name: $target" ;;
    esac ;;
  */create | */deploy | */update)
    if [[ $verb == create && -e $S/r/$file ]]; then
      echo "ERROR: (gcloud) ALREADY_EXISTS: $key" >&2 && exit 1
    fi
    touch "$S/r/$file"
    if [[ $group == secrets ]]; then cat >"$S/secret/$target" && echo 1 >"$S/version/$target"; fi
    if [[ $verb == deploy ]]; then
      printf '%s\n' "${flag[update-labels]#*=}" >"$S/label/$target"
      touch "$S/r/run_services_$target"
    fi
    if [[ $group == "scheduler jobs" ]]; then  # what describe --format=value(schedule,topic,data,tz) shows
      printf '%s\t%s\t%s\t%s\n' "${flag[schedule]}" "${flag[topic]}" \
        "$(printf '%s' "${flag[message-body]}" | base64 | tr -d '\n')" "${flag[time-zone]}" >"$S/schedule/$target"
    fi ;;
  *) echo "fake gcloud: unknown command: $*" >&2 && exit 2 ;;
esac
