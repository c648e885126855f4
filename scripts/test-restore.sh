#!/usr/bin/env bash
# End-to-end test of scripts/backup.sh and scripts/restore.sh, on SQLite and on
# PostgreSQL (127.0.0.1:5432, user postgres), each in a throw-away database and a
# throw-away EVIDENCE_ROOT: migrate, load the checklist, create a team, an owner
# and an assessment with answers and evidence files through the services, back
# up, change and delete data and evidence, restore, and check that the original
# rows are back (row counts of every table, every answer, and one answer's option
# and comment) and so are the evidence files (every file in EVIDENCE_ROOT, by
# SHA-256, equal to the SHA-256 its row recorded). Also checks the refusals: no
# --yes, a corrupt file, a database in use, an existing backup file, a
# non-empty EVIDENCE_ROOT without --force, a damaged evidence archive or one
# with a path out of EVIDENCE_ROOT, an EVIDENCE_ROOT that is not the server's;
# and that a backup without an evidence archive (made before backups held
# evidence) still restores the database and leaves EVIDENCE_ROOT alone.
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
refuses_because() { # refuses_because PATTERN DESCRIPTION COMMAND...: the error matches PATTERN
  local pattern="$1"; shift
  local what="$1"; shift
  if "$@" >"$WORK/last.log" 2>&1; then
    fail "$what (it succeeded)"; sed 's/^/    /' "$WORK/last.log"
  elif grep 'error:' "$WORK/last.log" | grep -Eq "$pattern"; then
    ok "$what: $(grep -m1 'error:' "$WORK/last.log" | cut -c1-110)"
  else
    fail "$what (not refused for: $pattern)"; sed 's/^/    /' "$WORK/last.log"
  fi
}
said() { # said DESCRIPTION PATTERN: the last command's output matches PATTERN
  if grep -Eq "$2" "$WORK/last.log"; then ok "$1"; else fail "$1"; sed 's/^/    /' "$WORK/last.log"; fi
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
from django.core.files.uploadedfile import SimpleUploadedFile
from riskassess.evidence import services as evidence
add = lambda name, data: evidence.add_file(
    assessment=a, item_key="INQ-01", upload=SimpleUploadedFile(name, data),
    as_of=None, expires_on=None, user=user)
add("pen-test.pdf", b"%PDF-1.4\n% a pen test report\n" + bytes(range(256)) * 40 + b"\n%%EOF\n")
add("model card.md", "# Model card\n\nÜnïcødé survives a restore.\n".encode())
evidence.add_link(assessment=a, item_key="INQ-02", url="https://example.org/eval",
                  title="Evaluation", as_of=None, expires_on=None, user=user)
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
from django.core.files.uploadedfile import SimpleUploadedFile
from riskassess.evidence import services as evidence
from riskassess.evidence.models import Evidence
evidence.remove(evidence=Evidence.objects.get(original_name="pen-test.pdf"), user=user)
evidence.add_file(assessment=a, item_key="INQ-01", upload=SimpleUploadedFile("later.txt", b"later\n"),
                  as_of=None, expires_on=None, user=user)
'
ANSWER_PY='
from riskassess.assessments.models import Answer
a = Answer.objects.get(assessment__title="Round trip", item__key="INQ-01")
print(a.option.key, "|", a.comment, "|", a.version, sep="")
'
# Every evidence file row: its name, the SHA-256 it recorded, and that of its file now.
EVIDENCE_PY='
import hashlib
from riskassess.evidence.models import Evidence
from riskassess.evidence.storage import evidence_storage
for e in Evidence.objects.filter(kind="file").order_by("original_name"):
    try:
        with evidence_storage().open(e.storage_name, "rb") as f:
            now = hashlib.sha256(f.read()).hexdigest()
    except FileNotFoundError:
        now = "missing"
    print(e.original_name, e.storage_name, e.sha256, now, sep="|")
'
# Every file in EVIDENCE_ROOT with its SHA-256 (none: an empty listing).
evidence_files() {
  if [ -d "$EVIDENCE_ROOT" ]; then
    (cd "$EVIDENCE_ROOT" && find . -type f -print0 | sort -z | xargs -0 -r sha256sum)
  fi
}
# Every file of a recorded evidence row is there, with the SHA-256 it recorded.
evidence_intact() {
  [ -s "$1" ] && awk -F'|' '$3 != $4 { bad = 1 } END { exit bad }' "$1"
}
# A copy of an evidence archive with one change: damage a file, or add a member.
TAMPER_PY='
import io, sys, tarfile
source, target, how = sys.argv[1:4]
with tarfile.open(source) as old, tarfile.open(target, "w") as new:
    for member in old.getmembers():
        data = old.extractfile(member).read() if member.isfile() else None
        if how == "damage" and member.name.startswith("files/") and data:
            data = bytes([data[0] ^ 1]) + data[1:]
        new.addfile(member, io.BytesIO(data) if data is not None else None)
    if how == "escape":
        evil = tarfile.TarInfo("files/../../escaped.txt")
        evil.size = 6
        new.addfile(evil, io.BytesIO(b"pwned\n"))
    if how == "link":
        link = tarfile.TarInfo("files/passwd")
        link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
        new.addfile(link)
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
  export DATABASE_URL="$url" BACKUP_DIR="$dir/backups" EVIDENCE_ROOT="$dir/evidence"

  check "migrate" manage migrate --noinput
  check "load the default checklist" manage load_checklist
  check "create a team, an owner, an assessment, answers and evidence (services)" shell "$SEED_PY"
  shell "$STATE_PY" > "$dir/original.json"
  shell "$ANSWER_PY" > "$dir/original-answer.txt"
  shell "$EVIDENCE_PY" > "$dir/original-evidence.txt"
  evidence_files > "$dir/original-files.txt"
  check "two evidence files in EVIDENCE_ROOT, each with the SHA-256 its row recorded" \
    sh -c "[ \$(wc -l < '$dir/original-files.txt') = 2 ] && [ \$(wc -l < '$dir/original-evidence.txt') = 2 ]"
  check "  (and the rows agree with the files)" evidence_intact "$dir/original-evidence.txt"

  check "back up to $ext" scripts/backup.sh "$dir/backup.$ext"
  check "the backup file exists and is not empty" test -s "$dir/backup.$ext"
  check "the evidence archive is beside it: backup.$ext.evidence.tar" \
    test -s "$dir/backup.$ext.evidence.tar"
  mkdir "$dir/unpacked"
  check "the evidence archive unpacks with tar and passes sha256sum -c SHA256SUMS" \
    sh -c "tar -xf '$dir/backup.$ext.evidence.tar' -C '$dir/unpacked' && cd '$dir/unpacked' \
      && sha256sum --quiet -c SHA256SUMS && [ \$(find files -type f | wc -l) = 2 ]"
  refuses "backup refuses to overwrite an existing file" scripts/backup.sh "$dir/backup.$ext"
  touch "$dir/taken.$ext.evidence.tar"
  refuses "backup refuses to overwrite an existing evidence archive" \
    scripts/backup.sh "$dir/taken.$ext"
  check "  (and wrote no taken.$ext)" test ! -e "$dir/taken.$ext"
  EVIDENCE_ROOT="$dir/elsewhere" refuses_because "none is in" \
    "backup refuses an EVIDENCE_ROOT that holds none of the database's files" \
    scripts/backup.sh "$dir/elsewhere.$ext"
  check "  (and wrote nothing)" sh -c "! ls -A '$dir' | grep -q elsewhere"
  # A file removed while the backup ran (or lost before it): reported, not fatal.
  local gone
  gone="$(find "$EVIDENCE_ROOT" -type f | head -n1)"
  mv "$gone" "$dir/gone"
  check "backup with a file of the database missing from EVIDENCE_ROOT" \
    scripts/backup.sh "$dir/partial.$ext"
  said "  (it warns that 1 file is missing)" "warning: 1 evidence files"
  mv "$dir/gone" "$gone"
  check "backup with the default name in BACKUP_DIR" scripts/backup.sh
  check "default name is riskassess-<UTC timestamp>.$ext, with its evidence archive" \
    sh -c "ls '$dir/backups' | grep -Eq '^riskassess-[0-9]{8}T[0-9]{6}Z\\.$ext\$' \
      && ls '$dir/backups' | grep -Eq '^riskassess-[0-9]{8}T[0-9]{6}Z\\.$ext\\.evidence\\.tar\$'"

  check "change an answer, delete one, add an assessment, remove a file, add one" \
    shell "$CHANGE_PY"
  shell "$STATE_PY" > "$dir/changed.json"
  evidence_files > "$dir/changed-files.txt"
  if cmp -s "$dir/original.json" "$dir/changed.json"; then
    fail "the data changed after the backup"
  else
    ok "the data changed after the backup"
  fi
  if cmp -s "$dir/original-files.txt" "$dir/changed-files.txt"; then
    fail "the evidence files changed after the backup"
  else
    ok "the evidence files changed after the backup"
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
  refuses_because "open|connections" "restore refuses while another process uses the database" \
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
  refuses_because "is not empty" "restore refuses to replace a non-empty EVIDENCE_ROOT without --force" \
    scripts/restore.sh --yes "$dir/backup.$ext"
  # Evidence archives that are not what backup.sh wrote (restored with --force: only the
  # archive can stop them).
  local how
  for how in damage escape link; do
    cp "$dir/backup.$ext" "$dir/$how.$ext"
    "$PY" -c "$TAMPER_PY" "$dir/backup.$ext.evidence.tar" "$dir/$how.$ext.evidence.tar" "$how"
  done
  refuses_because "SHA-256" "restore refuses an evidence archive with a damaged file" \
    scripts/restore.sh --yes --force "$dir/damage.$ext"
  refuses_because "unexpected member" "restore refuses an evidence archive with a path out of it" \
    scripts/restore.sh --yes --force "$dir/escape.$ext"
  refuses_because "not a plain file" "restore refuses an evidence archive with a symbolic link" \
    scripts/restore.sh --yes --force "$dir/link.$ext"
  check "  (nothing was written out of the archive, nothing left beside EVIDENCE_ROOT)" \
    sh -c "[ -z \"\$(find '$WORK' -name escaped.txt)\" ] && ! ls -A '$dir' | grep -q '^\\.evidence'"
  shell "$STATE_PY" > "$dir/after-refusals.json"
  same "the refused restores changed nothing in the database" \
    "$dir/changed.json" "$dir/after-refusals.json"
  evidence_files > "$dir/after-refusals-files.txt"
  same "the refused restores changed nothing in EVIDENCE_ROOT" \
    "$dir/changed-files.txt" "$dir/after-refusals-files.txt"
  check "the refused restores made no safety backup" \
    sh -c "! ls '$dir/backups' | grep -q '^pre-restore-'"

  check "restore --yes --force" scripts/restore.sh --yes --force "$dir/backup.$ext"
  sed 's/^/    /' "$WORK/last.log"
  check "restore made a safety backup of the replaced database and evidence" \
    sh -c "ls '$dir/backups' | grep -q '^pre-restore-.*\\.$ext\$' \
      && ls '$dir/backups' | grep -q '^pre-restore-.*\\.$ext\\.evidence\\.tar\$'"
  shell "$STATE_PY" > "$dir/restored.json"
  same "every table's row count and every answer are as backed up" \
    "$dir/original.json" "$dir/restored.json"
  shell "$ANSWER_PY" > "$dir/restored-answer.txt"
  same "INQ-01 is back to '$(cat "$dir/original-answer.txt")'" \
    "$dir/original-answer.txt" "$dir/restored-answer.txt"
  evidence_files > "$dir/restored-files.txt"
  same "EVIDENCE_ROOT holds exactly the backed-up files (sha256 equal)" \
    "$dir/original-files.txt" "$dir/restored-files.txt"
  shell "$EVIDENCE_PY" > "$dir/restored-evidence.txt"
  same "every evidence row's file is back with the SHA-256 it recorded" \
    "$dir/original-evidence.txt" "$dir/restored-evidence.txt"
  check "  (and the rows agree with the files)" evidence_intact "$dir/restored-evidence.txt"
  check "the restored database is up to date with the migrations" \
    sh -c "DEBUG=1 $PY manage.py migrate --check --noinput"

  # The safety backup brings back the state the restore replaced.
  local safety
  safety="$(ls "$dir/backups"/pre-restore-*."$ext" | head -n1)"
  check "restore the safety backup" scripts/restore.sh --yes --force --no-backup "$safety"
  shell "$STATE_PY" > "$dir/undone.json"
  same "the safety backup holds the replaced data" "$dir/changed.json" "$dir/undone.json"
  evidence_files > "$dir/undone-files.txt"
  same "the safety backup holds the replaced evidence files" \
    "$dir/changed-files.txt" "$dir/undone-files.txt"

  # A backup made before backups held evidence: the database only, EVIDENCE_ROOT kept.
  cp "$dir/backup.$ext" "$dir/legacy.$ext"
  check "restore a backup without an evidence archive (no --force needed)" \
    scripts/restore.sh --yes --no-backup "$dir/legacy.$ext"
  said "  (it says EVIDENCE_ROOT is left as it is)" "no evidence archive"
  shell "$STATE_PY" > "$dir/legacy.json"
  same "  the database is as backed up" "$dir/original.json" "$dir/legacy.json"
  evidence_files > "$dir/legacy-files.txt"
  same "  and EVIDENCE_ROOT is untouched" "$dir/undone-files.txt" "$dir/legacy-files.txt"

  # A new machine, or lost evidence: an EVIDENCE_ROOT that does not exist yet.
  export EVIDENCE_ROOT="$dir/new-evidence"
  check "restore into an EVIDENCE_ROOT that does not exist (no --force needed)" \
    scripts/restore.sh --yes "$dir/backup.$ext"
  evidence_files > "$dir/new-files.txt"
  same "  it holds exactly the backed-up files" "$dir/original-files.txt" "$dir/new-files.txt"
  shell "$EVIDENCE_PY" > "$dir/new-evidence.txt"
  check "  each with the SHA-256 its row recorded" evidence_intact "$dir/new-evidence.txt"

  check "restore the backup that lacks a file" \
    scripts/restore.sh --yes --force --no-backup "$dir/partial.$ext"
  said "  (it warns that 1 file the database names is not in the archive)" \
    "warning: 1 evidence files .* not in the archive"

  if [ "$engine" = postgres ]; then
    dropdb "${PG_OPTS[@]}" --force "$PG_DB" && PG_CREATED=0
  fi
  unset DATABASE_URL BACKUP_DIR EVIDENCE_ROOT
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
