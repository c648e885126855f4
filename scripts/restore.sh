#!/usr/bin/env bash
# Restore a backup made by scripts/backup.sh into the database named by
# DATABASE_URL (the app's default when unset: var/riskassess.sqlite3).
# Everything in that database is replaced by the backup's content.
#
#   scripts/restore.sh --yes [--force] [--no-backup] FILE
#
#   --yes        required (or RESTORE_CONFIRM=1): the restore overwrites the database
#   --force      restore even though other processes use the database (normally
#                refused: stop the server first)
#   --no-backup  do not back up the current database first (by default it is saved
#                as $BACKUP_DIR/pre-restore-<UTC timestamp>.*, BACKUP_DIR=var/backups)
#
# SQLite: FILE must pass PRAGMA integrity_check; it is copied next to the
# database and renamed over it in one step, under SQLite's exclusive lock, so
# the database is either the old one or the restored one, never a mix.
# PostgreSQL: pg_restore --clean --if-exists --no-owner --no-privileges in a
# single transaction: it applies completely or not at all. The database must
# exist (createdb it first for a new server).
# Restore with the server stopped; run `manage.py migrate` afterwards when the
# backup comes from an older version of the app (docs/operations.md).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python

die() { echo "restore: error: $*" >&2; exit 1; }
usage="usage: scripts/restore.sh --yes [--force] [--no-backup] FILE"
CONFIRM="${RESTORE_CONFIRM:-0}"
FORCE=0
SAFETY=1
FILE=""
while [ $# -gt 0 ]; do
  case "$1" in
    --yes|-y) CONFIRM=1 ;;
    --force) FORCE=1 ;;
    --no-backup) SAFETY=0 ;;
    -h|--help) sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) die "unknown option $1; $usage" ;;
    *) [ -z "$FILE" ] || die "one FILE only; $usage"; FILE="$1" ;;
  esac
  shift
done
[ -n "$FILE" ] || die "$usage"
[ -f "$FILE" ] || die "no backup file $FILE"
[ -x "$PY" ] || die "$PY not found: run 'make run' or 'make test' once to set up .venv"

URL="${DATABASE_URL:-sqlite:///$PWD/var/riskassess.sqlite3}"
# The URL is read the way the app reads it (dj-database-url), then handed to the shell.
eval "$("$PY" scripts/dburl.py "$URL" restore)"
[ -n "$DB_KIND" ] || die "DATABASE_URL must start with sqlite:/// or postgres://"

if [ "$DB_KIND" = sqlite ]; then
  TARGET="SQLite $DB_NAME"
else
  TARGET="PostgreSQL database $DB_NAME on ${DB_HOST:-local socket}:${DB_PORT:-5432}"
fi
if [ "$CONFIRM" != 1 ]; then
  die "this replaces everything in $TARGET with $FILE. Stop the server, then run again with --yes (or RESTORE_CONFIRM=1)."
fi
STAMP="$(date -u +%Y%m%dT%H%M%SZ)"
BACKUP_DIR="${BACKUP_DIR:-var/backups}"

# Rows in a few tables, to say what the database holds now.
SUMMARY_SQL="SELECT (SELECT count(*) FROM accounts_user), (SELECT count(*) FROM accounts_team),
  (SELECT count(*) FROM assessments_assessment), (SELECT count(*) FROM assessments_answer),
  (SELECT count(*) FROM assessments_historicalanswer)"
summary() { # users|teams|assessments|answers|answer history rows
  IFS='|' read -r users teams assessments answers history <<< "$1"
  echo "restore: $TARGET now holds $users users, $teams teams, $assessments assessments, $answers answers ($history answer history records)"
}

if [ "$DB_KIND" = sqlite ]; then
  # 1. The backup is a sound riskassess database.
  "$PY" - "$FILE" <<'EOF' || die "$FILE is not a usable SQLite backup; nothing was changed"
import pathlib
import sqlite3
import sys

try:
    db = sqlite3.connect(pathlib.Path(sys.argv[1]).resolve().as_uri() + "?mode=ro", uri=True)
    result = db.execute("PRAGMA integrity_check").fetchall()
    if result != [("ok",)]:
        sys.exit(f"restore: error: PRAGMA integrity_check: {result[:5]}")
    if not db.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'django_migrations'"
    ).fetchone():
        sys.exit("restore: error: not a riskassess database (no django_migrations table)")
except sqlite3.DatabaseError as exc:
    sys.exit(f"restore: error: {exc}")
EOF
  echo "restore: $FILE passes PRAGMA integrity_check"

  # 2. Nobody has the database open (a running server or shell would keep its old file).
  if [ -e "$DB_NAME" ]; then
    REAL="$(realpath "$DB_NAME")"
    USERS=""
    for fd in /proc/[0-9]*/fd/*; do
      case "$(readlink "$fd" 2>/dev/null || true)" in
        "$REAL"|"$REAL-journal"|"$REAL-wal") pid="${fd#/proc/}"; USERS="$USERS ${pid%%/*}" ;;
      esac
    done
    USERS="$(for pid in $USERS; do echo "$pid"; done | sort -un | paste -sd' ' -)"
    if [ -n "$USERS" ]; then
      if [ "$FORCE" = 1 ]; then
        echo "restore: warning: processes $USERS have $DB_NAME open; restoring anyway (--force)" >&2
      else
        die "processes $USERS have $DB_NAME open (is the server running?). Stop them first, or use --force."
      fi
    fi
    # 3. A safety copy of what is about to be replaced.
    if [ "$SAFETY" = 1 ]; then
      BACKUP_DIR="$BACKUP_DIR" scripts/backup.sh "$BACKUP_DIR/pre-restore-$STAMP.sqlite3" \
        | sed 's/^backup:/restore: safety backup:/' \
        || die "could not back up the current database first (use --no-backup to skip); nothing was changed"
    fi
  fi

  # 4. Copy next to the target, check, and rename over it under the exclusive lock.
  mkdir -p "$(dirname "$DB_NAME")"
  COUNTS="$("$PY" - "$FILE" "$DB_NAME" "$SUMMARY_SQL" <<'EOF'
import os
import pathlib
import sqlite3
import sys

source, target, summary = sys.argv[1], pathlib.Path(sys.argv[2]), sys.argv[3]
tmp = target.with_name(f".{target.name}.restore.{os.getpid()}")
try:
    src = sqlite3.connect(pathlib.Path(source).resolve().as_uri() + "?mode=ro", uri=True)
    dst = sqlite3.connect(tmp)
    src.backup(dst, pages=-1)
    src.close()
    if dst.execute("PRAGMA integrity_check").fetchall() != [("ok",)]:
        sys.exit("restore: error: the copy fails PRAGMA integrity_check")
    # The app uses the rollback journal; a restored file must not expect a WAL.
    dst.execute("PRAGMA journal_mode=DELETE")
    dst.close()
    with open(tmp, "rb+") as f:
        os.fsync(f.fileno())
    old = None
    if target.exists():
        old = sqlite3.connect(target, timeout=30, isolation_level=None)
        # Waits for writers to finish (and rolls back a crashed one's hot journal),
        # then keeps everyone out until the new file is in place.
        old.execute("BEGIN EXCLUSIVE")
        for suffix in ("-wal", "-journal"):
            if pathlib.Path(f"{target}{suffix}").exists():
                sys.exit(f"restore: error: {target}{suffix} exists; stop the server and retry")
    os.replace(tmp, target)
    dirfd = os.open(target.parent, os.O_RDONLY)
    try:
        os.fsync(dirfd)
    finally:
        os.close(dirfd)
    if old is not None:
        old.rollback()
        old.close()
except sqlite3.Error as exc:
    sys.exit(f"restore: error: {exc}")
finally:
    tmp.unlink(missing_ok=True)
try:  # Only to report: the restore is done by now.
    db = sqlite3.connect(target)
    print("|".join(str(v) for v in db.execute(summary).fetchone()))
    db.close()
except sqlite3.Error:
    print("?|?|?|?|?")
EOF
)" || die "the restore failed; $DB_NAME was not changed"
  echo "restore: $FILE -> $TARGET (replaced in one step)"
  summary "$COUNTS"
else
  command -v pg_restore >/dev/null || die "pg_restore is not installed (Debian: apt-get install postgresql-client)"
  export PGHOST="$DB_HOST" PGPORT="$DB_PORT" PGUSER="$DB_USER" PGDATABASE="$DB_NAME"
  if [ -n "$DB_PASSWORD" ]; then export PGPASSWORD="$DB_PASSWORD"; fi
  if [ -n "$DB_SSLMODE" ]; then export PGSSLMODE="$DB_SSLMODE"; fi
  psql_q() { psql --no-password --no-psqlrc -X -tA -v ON_ERROR_STOP=1 -c "$1"; }

  # 1. The backup is a custom-format dump with data.
  pg_restore --list "$FILE" >/dev/null 2>&1 \
    || die "$FILE is not a pg_dump custom-format archive; nothing was changed"
  echo "restore: $FILE is a pg_dump archive with $(pg_restore --list "$FILE" | grep -c 'TABLE DATA' || true) tables of data"

  # 2. The database exists and nobody else is connected.
  psql_q "SELECT 1" >/dev/null 2>&1 \
    || die "cannot connect to $TARGET (does it exist? create it with: createdb $DB_NAME)"
  OTHERS="$(psql_q "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")"
  if [ "$OTHERS" != 0 ]; then
    if [ "$FORCE" = 1 ]; then
      echo "restore: warning: $OTHERS other connections to $DB_NAME; restoring anyway (--force)" >&2
    else
      die "$OTHERS other connections to $DB_NAME (is the server running?). Stop it first, or use --force."
    fi
  fi

  # 3. A safety copy of what is about to be replaced (when there is anything).
  TABLES="$(psql_q "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")"
  if [ "$SAFETY" = 1 ] && [ "$TABLES" != 0 ]; then
    BACKUP_DIR="$BACKUP_DIR" scripts/backup.sh "$BACKUP_DIR/pre-restore-$STAMP.dump" \
      | sed 's/^backup:/restore: safety backup:/' \
      || die "could not back up the current database first (use --no-backup to skip); nothing was changed"
  fi

  # 4. All or nothing.
  pg_restore --clean --if-exists --no-owner --no-privileges --single-transaction \
    --exit-on-error --no-password --dbname="$DB_NAME" "$FILE" \
    || die "pg_restore failed and was rolled back; $DB_NAME was not changed"
  echo "restore: $FILE -> $TARGET (pg_restore --clean, one transaction)"
  summary "$(psql_q "$SUMMARY_SQL" 2>/dev/null || echo '?|?|?|?|?')"
fi
