#!/usr/bin/env bash
# End-to-end test of scripts/backup.sh and scripts/restore.sh, on SQLite and on
# PostgreSQL (127.0.0.1:5432, user postgres), each in a throw-away database:
# migrate, load the checklist, create a team, an owner and an assessment with
# answers through the services, back up, change and delete data, restore, and
# check that the original rows are back (row counts of every table, every
# answer, and one answer's option and comment). Also checks the refusals: no
# --yes, a corrupt file, a database in use, an existing backup file.
#
#   scripts/test-restore.sh [sqlite] [postgres]      (both when none is named)
#
# No prompts, nothing outside a temporary directory and the throw-away
# PostgreSQL database, which it drops. Exits 0 when every check passes.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
[ -x "$PY" ] || { echo "test-restore: $PY not found: run 'make test' once to set up .venv" >&2; exit 2; }

ENGINES=("$@")
[ ${#ENGINES[@]} -gt 0 ] || ENGINES=(sqlite postgres)
PG_OPTS=(-h 127.0.0.1 -p 5432 -U postgres)
PG_DB="riskassess_restore_test_$$"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/riskassess-restore-test.XXXXXX")"
HOLDER=""
PG_CREATED=0
PASSED=0
FAILED=0

cleanup() {
  if [ -n "$HOLDER" ]; then kill "$HOLDER" 2>/dev/null || true; wait "$HOLDER" 2>/dev/null || true; fi
  if [ "$PG_CREATED" = 1 ]; then dropdb "${PG_OPTS[@]}" --if-exists --force "$PG_DB" || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ok() { PASSED=$((PASSED + 1)); echo "ok     - $*"; }
fail() { FAILED=$((FAILED + 1)); echo "FAILED - $*"; }
check() { # check DESCRIPTION COMMAND...: passes when the command succeeds
  local what="$1"; shift
  if "$@" >"$WORK/last.log" 2>&1; then ok "$what"; else fail "$what"; sed 's/^/    /' "$WORK/last.log"; fi
}
refuses() { # refuses DESCRIPTION COMMAND...: passes when the command fails with a message
  local what="$1"; shift
  if "$@" >"$WORK/last.log" 2>&1; then
    fail "$what (it succeeded)"; sed 's/^/    /' "$WORK/last.log"
  elif grep -q 'error:' "$WORK/last.log"; then
    ok "$what: $(grep -m1 'error:' "$WORK/last.log" | cut -c1-110)"
  else
    fail "$what (no error message)"; sed 's/^/    /' "$WORK/last.log"
  fi
}
manage() { DEBUG=1 LOG_LEVEL=WARNING "$PY" manage.py "$@"; }
shell() { manage shell --no-imports -c "$1"; }
same() { # same DESCRIPTION FILE1 FILE2
  if cmp -s "$2" "$3"; then ok "$1"; else fail "$1"; diff "$2" "$3" | head -20 | sed 's/^/    /'; fi
}

# Everything the test compares: the row count of every table, and every answer.
STATE_PY='
import json
from django.apps import apps
from riskassess.assessments.models import Answer
counts = {m._meta.db_table: m._default_manager.count() for m in apps.get_models()}
answers = sorted(
    (str(a.assessment_id), a.item.key, a.option.key if a.option else None, a.comment, a.version)
    for a in Answer.objects.select_related("item", "option")
)
print(json.dumps({"counts": counts, "answers": answers}, indent=1, sort_keys=True))
'
SEED_PY='
from riskassess.accounts.models import Membership, Role, Team, User
from riskassess.assessments import services
from riskassess.checklist.models import Checklist
user = User.objects.create_user("restore-owner", password=None)
team = Team.objects.create(name="Restore test team")
Membership.objects.create(team=team, user=user, role=Role.OWNER)
checklist = Checklist.objects.get(slug="foundation-model-risks", version=1)
a = services.create_assessment(
    user=user, team=team, checklist=checklist, title="Round trip", model_name="m-1",
    base_model="base", context="A deployment whose answers must survive a restore.")
save = lambda key, option, comment, version: services.save_answer(
    assessment=a, item_key=key, option_key=option, comment=comment,
    expected_version=version, user=user)
save("INQ-01", "no", "", 0)
save("INQ-01", "partly", "Model card reviewed; gaps recorded.", 1)
save("INQ-02", "yes", "Tested with 500 prompts.", 0)
save("MIS-01", "na", "Internal tool, not exposed to the public.", 0)
save("ENV-01", "unknown", "", 0)
'
CHANGE_PY='
from riskassess.accounts.models import User
from riskassess.assessments import services
from riskassess.assessments.models import Answer, Assessment
user = User.objects.get(username="restore-owner")
a = Assessment.objects.get(title="Round trip")
services.save_answer(assessment=a, item_key="INQ-01", option_key="yes",
                     comment="Changed after the backup.", expected_version=2, user=user)
Answer.objects.filter(assessment=a, item__key="INQ-02").delete()
services.create_assessment(user=user, team=a.team, checklist=a.checklist, title="Made later",
                           model_name="m-2", base_model="base", context="After the backup.")
'
ANSWER_PY='
from riskassess.assessments.models import Answer
a = Answer.objects.get(assessment__title="Round trip", item__key="INQ-01")
print(a.option.key, "|", a.comment, "|", a.version, sep="")
'

run_engine() {
  local engine="$1" url ext dir="$WORK/$1"
  mkdir -p "$dir"
  echo
  echo "=== $engine"
  if [ "$engine" = sqlite ]; then
    url="sqlite:///$dir/riskassess.sqlite3"; ext=sqlite3
  else
    if ! pg_isready "${PG_OPTS[@]}" -q; then
      fail "PostgreSQL is not accepting connections at 127.0.0.1:5432"; return
    fi
    createdb "${PG_OPTS[@]}" "$PG_DB"; PG_CREATED=1
    url="postgres://postgres@127.0.0.1:5432/$PG_DB"; ext=dump
  fi
  export DATABASE_URL="$url" BACKUP_DIR="$dir/backups"

  check "migrate" manage migrate --noinput
  check "load the default checklist" manage load_checklist
  check "create a team, an owner, an assessment and answers (services)" shell "$SEED_PY"
  shell "$STATE_PY" > "$dir/original.json"
  shell "$ANSWER_PY" > "$dir/original-answer.txt"

  check "back up to $ext" scripts/backup.sh "$dir/backup.$ext"
  check "the backup file exists and is not empty" test -s "$dir/backup.$ext"
  refuses "backup refuses to overwrite an existing file" scripts/backup.sh "$dir/backup.$ext"
  check "backup with the default name in BACKUP_DIR" scripts/backup.sh
  check "default name is riskassess-<UTC timestamp>.$ext" \
    sh -c "ls '$dir/backups' | grep -Eq '^riskassess-[0-9]{8}T[0-9]{6}Z\\.$ext\$'"

  check "change an answer, delete one, add an assessment" shell "$CHANGE_PY"
  shell "$STATE_PY" > "$dir/changed.json"
  if cmp -s "$dir/original.json" "$dir/changed.json"; then
    fail "the data changed after the backup"
  else
    ok "the data changed after the backup"
  fi

  refuses "restore refuses without --yes" scripts/restore.sh "$dir/backup.$ext"
  head -c 4096 /dev/urandom > "$dir/corrupt.$ext"
  refuses "restore refuses a corrupt file" scripts/restore.sh --yes "$dir/corrupt.$ext"
  refuses "restore refuses a missing file" scripts/restore.sh --yes "$dir/missing.$ext"
  # Something holds the database open, as a running server would.
  if [ "$engine" = sqlite ]; then
    "$PY" -c 'import sqlite3, sys, time; c = sqlite3.connect(sys.argv[1]); c.execute("SELECT 1"); time.sleep(60)' \
      "$dir/riskassess.sqlite3" & HOLDER=$!
  else
    PGAPPNAME=restore-test-holder psql "${PG_OPTS[@]}" -d "$PG_DB" -qXc "SELECT pg_sleep(60)" \
      >/dev/null 2>&1 & HOLDER=$!
  fi
  sleep 1
  refuses "restore refuses while another process uses the database" \
    scripts/restore.sh --yes "$dir/backup.$ext"
  kill "$HOLDER" 2>/dev/null || true; wait "$HOLDER" 2>/dev/null || true; HOLDER=""
  if [ "$engine" = postgres ]; then  # its query runs on after the client has gone: end it
    psql "${PG_OPTS[@]}" -d "$PG_DB" -XtAc "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
      WHERE application_name = 'restore-test-holder'" >/dev/null
    for _ in $(seq 1 20); do
      [ "$(psql "${PG_OPTS[@]}" -d "$PG_DB" -XtAc "SELECT count(*) FROM pg_stat_activity
        WHERE application_name = 'restore-test-holder'")" = 0 ] && break
      sleep 0.5
    done
  fi
  shell "$STATE_PY" > "$dir/after-refusals.json"
  same "the refused restores changed nothing" "$dir/changed.json" "$dir/after-refusals.json"

  check "restore --yes" scripts/restore.sh --yes "$dir/backup.$ext"
  sed 's/^/    /' "$WORK/last.log"
  check "restore made a safety backup of the replaced database" \
    sh -c "ls '$dir/backups' | grep -q '^pre-restore-.*\\.$ext\$'"
  shell "$STATE_PY" > "$dir/restored.json"
  same "every table's row count and every answer are as backed up" \
    "$dir/original.json" "$dir/restored.json"
  shell "$ANSWER_PY" > "$dir/restored-answer.txt"
  same "INQ-01 is back to '$(cat "$dir/original-answer.txt")'" \
    "$dir/original-answer.txt" "$dir/restored-answer.txt"
  check "the restored database is up to date with the migrations" \
    sh -c "DEBUG=1 $PY manage.py migrate --check --noinput"

  # The safety backup brings back the state the restore replaced.
  local safety
  safety="$(ls "$dir/backups"/pre-restore-*."$ext" | head -n1)"
  check "restore the safety backup" scripts/restore.sh --yes --no-backup "$safety"
  shell "$STATE_PY" > "$dir/undone.json"
  same "the safety backup holds the replaced data" "$dir/changed.json" "$dir/undone.json"

  if [ "$engine" = postgres ]; then
    dropdb "${PG_OPTS[@]}" --force "$PG_DB" && PG_CREATED=0
  fi
  unset DATABASE_URL BACKUP_DIR
}

for engine in "${ENGINES[@]}"; do
  case "$engine" in
    sqlite|postgres) run_engine "$engine" ;;
    *) echo "test-restore: unknown engine $engine (sqlite, postgres)" >&2; exit 2 ;;
  esac
done

echo
echo "test-restore: $PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
