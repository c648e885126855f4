#!/usr/bin/env bash
# Back up the riskassess database named by DATABASE_URL (the app's default when
# unset: the SQLite file var/riskassess.sqlite3). Safe while the server runs.
#
#   scripts/backup.sh [OUT]
#
# SQLite: an online copy with SQLite's backup API (a consistent snapshot even
# while the server writes), checked with PRAGMA integrity_check.
#   Default OUT: $BACKUP_DIR/riskassess-<UTC timestamp>.sqlite3
# PostgreSQL: pg_dump --format=custom (one consistent snapshot), checked with
# pg_restore --list.
#   Default OUT: $BACKUP_DIR/riskassess-<UTC timestamp>.dump
# BACKUP_DIR defaults to var/backups. The backup is the whole database: every
# table, including the audit history, users and sessions. It is written to a
# temporary file first and renamed when complete, so OUT is never half-written;
# an existing OUT is never overwritten. Restore with scripts/restore.sh
# (docs/operations.md).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python

die() { echo "backup: error: $*" >&2; exit 1; }
[ $# -le 1 ] || die "usage: scripts/backup.sh [OUT]"
[ -x "$PY" ] || die "$PY not found: run 'make run' or 'make test' once to set up .venv"

URL="${DATABASE_URL:-sqlite:///$PWD/var/riskassess.sqlite3}"
# The URL is read the way the app reads it (dj-database-url), then handed to the shell.
eval "$("$PY" scripts/dburl.py "$URL" backup)"
[ -n "$DB_KIND" ] || die "DATABASE_URL must start with sqlite:/// or postgres://"

STAMP="$(date -u +%Y%m%dT%H%M%SZ)"
BACKUP_DIR="${BACKUP_DIR:-var/backups}"
if [ "$DB_KIND" = sqlite ]; then EXT=sqlite3; else EXT=dump; fi
OUT="${1:-$BACKUP_DIR/riskassess-$STAMP.$EXT}"
[ -e "$OUT" ] && die "$OUT already exists; not overwriting it"
mkdir -p "$(dirname "$OUT")" || die "cannot create the directory of $OUT"
# Backups hold password hashes and session keys: readable by their owner only.
umask 077
TMP="$(dirname "$OUT")/.$(basename "$OUT").partial.$$"
trap 'rm -f "$TMP"' EXIT

if [ "$DB_KIND" = sqlite ]; then
  [ -f "$DB_NAME" ] || die "no SQLite database at $DB_NAME"
  "$PY" - "$DB_NAME" "$TMP" <<'EOF' || die "the SQLite backup failed; nothing was written"
import pathlib
import sqlite3
import sys

source, target = sys.argv[1], sys.argv[2]
# Read-only: a backup never changes (or creates) the database it copies.
src = sqlite3.connect(pathlib.Path(source).resolve().as_uri() + "?mode=ro", uri=True, timeout=30)
dst = sqlite3.connect(target)
try:
    # One step (pages=-1) under a read lock: a consistent snapshot; writers wait briefly.
    src.backup(dst, pages=-1)
    result = dst.execute("PRAGMA integrity_check").fetchall()
    if result != [("ok",)]:
        sys.exit(f"backup: error: the copy fails PRAGMA integrity_check: {result[:5]}")
    tables = dst.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0]
    if not dst.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'django_migrations'"
    ).fetchone():
        sys.exit(f"backup: error: {source} is not a riskassess database (no django_migrations)")
    print(f"backup: copied {tables} tables; integrity_check ok")
except sqlite3.Error as exc:
    sys.exit(f"backup: error: {exc}")
finally:
    dst.close()
    src.close()
EOF
  SOURCE="SQLite $DB_NAME"
else
  command -v pg_dump >/dev/null || die "pg_dump is not installed (Debian: apt-get install postgresql-client)"
  export PGHOST="$DB_HOST" PGPORT="$DB_PORT" PGUSER="$DB_USER" PGDATABASE="$DB_NAME"
  if [ -n "$DB_PASSWORD" ]; then export PGPASSWORD="$DB_PASSWORD"; fi
  if [ -n "$DB_SSLMODE" ]; then export PGSSLMODE="$DB_SSLMODE"; fi
  pg_dump --format=custom --no-password --file="$TMP" \
    || die "pg_dump of database $DB_NAME on ${DB_HOST:-local socket}:${DB_PORT:-5432} failed; nothing was written"
  ENTRIES="$(pg_restore --list "$TMP" | grep -c 'TABLE DATA' || true)"
  [ "${ENTRIES:-0}" -gt 0 ] || die "the dump has no table data: is $DB_NAME a riskassess database?"
  echo "backup: dumped $ENTRIES tables with their data (pg_dump --format=custom)"
  SOURCE="PostgreSQL database $DB_NAME on ${DB_HOST:-local socket}:${DB_PORT:-5432}"
fi

mv "$TMP" "$OUT"
trap - EXIT
SIZE="$(wc -c < "$OUT" | tr -d ' ')"
echo "backup: $SOURCE -> $OUT ($SIZE bytes)"
