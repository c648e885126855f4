#!/usr/bin/env bash
# Restore a backup made by scripts/backup.sh into the database named by
# DATABASE_URL (the app's default when unset: var/riskassess.sqlite3), and its
# evidence files into EVIDENCE_ROOT (read as the app reads it; var/evidence when
# unset). Everything in that database, and in EVIDENCE_ROOT, is replaced by the
# backup's content.
#
#   scripts/restore.sh --yes [--force] [--no-backup] FILE
#
#   --yes        required (or RESTORE_CONFIRM=1): the restore overwrites the database
#   --force      restore even though other processes use the database (normally
#                refused: stop the server first), and replace the files of an
#                EVIDENCE_ROOT that is not empty (normally refused)
#   --no-backup  do not back up the current database and evidence first (by default
#                they are saved as $BACKUP_DIR/pre-restore-<UTC timestamp>.* and its
#                .evidence.tar, BACKUP_DIR=var/backups)
#
# FILE is the database backup; its evidence files are read from FILE.evidence.tar
# beside it. Without that archive (a backup made before backups held evidence),
# only the database is restored and EVIDENCE_ROOT is left as it is.
# SQLite: FILE must pass PRAGMA integrity_check; it is copied next to the
# database and renamed over it in one step, under SQLite's exclusive lock, so
# the database is either the old one or the restored one, never a mix.
# PostgreSQL: pg_restore --clean --if-exists --no-owner --no-privileges in a
# single transaction: it applies completely or not at all. The database must
# exist (createdb it first for a new server).
# Evidence: before the database is touched, the archive is checked (only plain
# files under files/, each matching its SHA-256 in SHA256SUMS) and unpacked into
# a directory beside EVIDENCE_ROOT; once the database is restored, that directory
# is renamed into EVIDENCE_ROOT's place and the old one removed. A refused or
# failed restore leaves both the database and EVIDENCE_ROOT as they were.
# EVIDENCE_ROOT must not be a mount point itself (mount its parent).
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
    -h|--help) sed -n '2,/^set -euo/{/^#/p}' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
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
# EVIDENCE_ROOT as settings.py reads it (riskassess.env: blank is unset).
EVIDENCE_DIR="$("$PY" -c 'import pathlib
from riskassess.env import env_str
print(pathlib.Path(env_str("EVIDENCE_ROOT") or "var/evidence").resolve())')" \
  || die "cannot read EVIDENCE_ROOT"
EVIDENCE_FILE="$FILE.evidence.tar"

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

# Evidence files: checked and unpacked beside EVIDENCE_ROOT before the database is
# touched (evidence_prepare), put in its place once the database is restored
# (evidence_swap). STAGE is removed on any failure before that.
STAGE=""
trap '[ -z "$STAGE" ] || rm -rf "$STAGE"' EXIT
evidence_prepare() {
  if [ ! -e "$EVIDENCE_FILE" ]; then
    echo "restore: no evidence archive $EVIDENCE_FILE (a backup made before backups held evidence files): the files in $EVIDENCE_DIR are left as they are"
    return 0
  fi
  [ -f "$EVIDENCE_FILE" ] || die "$EVIDENCE_FILE is not a file; nothing was changed"
  if [ -e "$EVIDENCE_DIR" ] && [ ! -d "$EVIDENCE_DIR" ]; then
    die "EVIDENCE_ROOT $EVIDENCE_DIR is not a directory; nothing was changed"
  fi
  local parent entries
  parent="$(dirname "$EVIDENCE_DIR")"
  if [ -d "$EVIDENCE_DIR" ]; then
    entries="$(find "$EVIDENCE_DIR" -mindepth 1 -maxdepth 1 | wc -l | tr -d ' ')"
    if [ "$entries" != 0 ]; then
      if [ "$FORCE" = 1 ]; then
        echo "restore: warning: replacing the $entries entries of $EVIDENCE_DIR with the backup's evidence files (--force)" >&2
      else
        die "EVIDENCE_ROOT $EVIDENCE_DIR is not empty ($entries entries): the restore would replace them with the backup's evidence files. Run again with --force to replace them; nothing was changed."
      fi
    fi
    if [ "$(stat -c %d "$EVIDENCE_DIR")" != "$(stat -c %d "$parent")" ]; then
      die "EVIDENCE_ROOT $EVIDENCE_DIR is a mount point, which cannot be swapped in one rename: mount its parent instead, or unpack $EVIDENCE_FILE by hand (docs/operations.md); nothing was changed"
    fi
  fi
  mkdir -p "$parent" || die "cannot create $parent; nothing was changed"
  STAGE="$parent/.$(basename "$EVIDENCE_DIR").restore.$$"
  "$PY" - "$EVIDENCE_FILE" "$STAGE" "$DB_KIND" "$FILE" <<'EOF' || die "$EVIDENCE_FILE is not a usable evidence archive; nothing was changed"
import hashlib
import os
import pathlib
import sys
import tarfile

archive_path, stage, kind, database = sys.argv[1:5]


def recorded() -> dict[str, str]:
    """{storage name: SHA-256} of every evidence file the database backup names."""
    sys.path.insert(0, "scripts")
    from evidence_rows import recorded as rows_of

    return rows_of(kind, database)


def refuse(message: str) -> None:
    sys.exit(f"restore: error: {archive_path}: {message}")


def relative(member: tarfile.TarInfo) -> str:
    """The member's path under files/, refused unless it is a plain relative path."""
    path = pathlib.PurePosixPath(member.name)
    parts = path.parts
    if path.is_absolute() or not parts or parts[0] != "files" or any(
        part in ("", ".", "..") for part in parts
    ):
        refuse(f"unexpected member {member.name!r}")
    return "/".join(parts[1:])


try:
    with tarfile.open(archive_path, "r:") as archive:
        members = archive.getmembers()
        sums_member = [m for m in members if m.name == "SHA256SUMS"]
        if len(sums_member) != 1 or not sums_member[0].isfile():
            refuse("no SHA256SUMS in it: not an evidence archive of scripts/backup.sh")
        sums = {}
        for line in archive.extractfile(sums_member[0]).read().decode().splitlines():
            digest, _, name = line.partition("  ")
            if not name.startswith("files/") or len(digest) != 64:
                refuse(f"SHA256SUMS has a malformed line {line[:80]!r}")
            sums[name[len("files/") :]] = digest
        files = []
        for member in members:
            if member.name == "SHA256SUMS" or (member.isdir() and member.name == "files"):
                continue
            name = relative(member)
            if member.isdir():
                continue
            if not member.isfile():
                refuse(f"{member.name} is not a plain file (a link or a device?)")
            files.append((name, member))
        if sorted(sums) != sorted(name for name, _ in files):
            refuse("its files and SHA256SUMS do not list the same files")
        os.mkdir(stage, 0o700)
        total = 0
        for name, member in files:
            target = os.path.join(stage, *name.split("/"))
            os.makedirs(os.path.dirname(target), mode=0o700, exist_ok=True)
            digest = hashlib.sha256()
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
            with archive.extractfile(member) as source, open(
                os.open(target, flags, 0o600), "wb"
            ) as out:
                while chunk := source.read(1024 * 1024):
                    digest.update(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            os.utime(target, (member.mtime, member.mtime))
            if digest.hexdigest() != sums[name]:
                refuse(f"files/{name} does not match its SHA-256 in SHA256SUMS (damaged?)")
            total += member.size
except (tarfile.TarError, OSError, UnicodeDecodeError) as exc:
    refuse(str(exc))

names = recorded()
missing = sorted(set(names) - set(sums))
damaged = sorted(n for n, digest in names.items() if n in sums and sums[n] != digest)
print(f"restore: {archive_path} holds {len(files)} evidence files ({total} bytes); SHA256SUMS ok")
if missing:
    print(
        f"restore: warning: {len(missing)} evidence files the backup's database names are not "
        f"in the archive (they will download as missing): {', '.join(missing[:5])}",
        file=sys.stderr,
    )
if damaged:
    print(
        f"restore: warning: {len(damaged)} evidence files differ from the SHA-256 the backup's "
        f"database recorded: {', '.join(damaged[:5])}",
        file=sys.stderr,
    )
EOF
}
evidence_swap() {
  [ -n "$STAGE" ] || return 0
  local old=""
  if [ -e "$EVIDENCE_DIR" ]; then
    old="$(dirname "$EVIDENCE_DIR")/.$(basename "$EVIDENCE_DIR").old.$$"
    if ! mv "$EVIDENCE_DIR" "$old"; then
      local kept="$STAGE"; STAGE=""
      die "the database was restored, but $EVIDENCE_DIR could not be moved aside: the backup's evidence files are in $kept; put them in its place by hand"
    fi
  fi
  if ! mv "$STAGE" "$EVIDENCE_DIR"; then
    local kept="$STAGE"; STAGE=""
    [ -z "$old" ] || mv "$old" "$EVIDENCE_DIR" || true
    die "the database was restored, but the evidence files could not be put in $EVIDENCE_DIR: they are in $kept; put them in its place by hand"
  fi
  STAGE=""
  [ -z "$old" ] || rm -rf "$old"
  echo "restore: $EVIDENCE_FILE -> $EVIDENCE_DIR ($(find "$EVIDENCE_DIR" -type f | wc -l | tr -d ' ') files)"
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
  fi

  # 3. The evidence archive is sound, and unpacked beside EVIDENCE_ROOT.
  evidence_prepare

  # 4. A safety copy of what is about to be replaced.
  if [ -e "$DB_NAME" ]; then
    if [ "$SAFETY" = 1 ]; then
      BACKUP_DIR="$BACKUP_DIR" EVIDENCE_MISSING_OK=1 scripts/backup.sh "$BACKUP_DIR/pre-restore-$STAMP.sqlite3" \
        | sed 's/^backup:/restore: safety backup:/' \
        || die "could not back up the current database first (use --no-backup to skip); nothing was changed"
    fi
  fi

  # 5. Copy next to the target, check, and rename over it under the exclusive lock.
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

  # 6. The evidence files in EVIDENCE_ROOT's place.
  evidence_swap
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

  # 3. The evidence archive is sound, and unpacked beside EVIDENCE_ROOT.
  evidence_prepare

  # 4. A safety copy of what is about to be replaced (when there is anything).
  TABLES="$(psql_q "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")"
  if [ "$SAFETY" = 1 ] && [ "$TABLES" != 0 ]; then
    BACKUP_DIR="$BACKUP_DIR" EVIDENCE_MISSING_OK=1 scripts/backup.sh "$BACKUP_DIR/pre-restore-$STAMP.dump" \
      | sed 's/^backup:/restore: safety backup:/' \
      || die "could not back up the current database first (use --no-backup to skip); nothing was changed"
  fi

  # 5. All or nothing.
  pg_restore --clean --if-exists --no-owner --no-privileges --single-transaction \
    --exit-on-error --no-password --dbname="$DB_NAME" "$FILE" \
    || die "pg_restore failed and was rolled back; $DB_NAME was not changed"
  echo "restore: $FILE -> $TARGET (pg_restore --clean, one transaction)"
  summary "$(psql_q "$SUMMARY_SQL" 2>/dev/null || echo '?|?|?|?|?')"

  # 6. The evidence files in EVIDENCE_ROOT's place.
  evidence_swap
fi
