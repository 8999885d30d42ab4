# shellcheck shell=bash
# A local database: the PostgreSQL role of the instance (named like its system user, so peer authentication
# over the Unix socket lets the service in without a password or a pg_hba edit) and the database it owns,
# created when missing — never dropped, renamed or re-owned. Run as root by BeforeInstall; psql runs as the
# `postgres` superuser over the socket. Every tarmac provisioning on a server takes the same advisory lock,
# so instances and hosts provisioning at once serialise and each check-then-create is race-free.

PG_SOCKET_DIR=/run/postgresql

# pg_wait — the server on this host answers (it may still be starting right after boot), or fail saying why.
pg_wait() {
  if ! command -v psql >/dev/null || ! getent passwd postgres >/dev/null; then
    die "the database $TARMAC_DATABASE_NAME is local, but PostgreSQL is not installed on this host — install it (apt-get install postgresql) or configure an external database (database: { host, name, user })"
  fi
  local deadline=$((SECONDS + 30))
  until pg_isready -q -h "$PG_SOCKET_DIR"; do
    ((SECONDS < deadline)) ||
      die "no PostgreSQL server answers on $PG_SOCKET_DIR on this host — start it (systemctl start postgresql) or configure an external database"
    sleep 0.5
  done
}

pg_log() {
  local line
  while IFS= read -r line; do log "  $line"; done
}

# provision_database — the role and database of this instance, as described above.
provision_database() {
  local role=$TARMAC_USER db=$TARMAC_DATABASE_NAME
  # The config already restricts both; checked again because they are spliced into SQL below.
  [[ $role =~ ^[a-z_][a-z0-9_]*$ && $db =~ ^[a-z_][a-z0-9_]*$ ]] || die "unsafe role '$role' or database '$db'"
  pg_wait
  # psql's stdin is the script; each output line is logged. A failure stops the script (ON_ERROR_STOP).
  if ! (cd / && runuser -u postgres -- psql -X -q -A -t -v ON_ERROR_STOP=1 -h "$PG_SOCKET_DIR" -d postgres \
    -v role="$role" -v db="$db" 2>&1) <<'SQL' | pg_log; then
SELECT pg_advisory_lock(hashtext('tarmac:provision')) \g /dev/null
SELECT CASE WHEN EXISTS (SELECT FROM pg_roles WHERE rolname = :'role')
  THEN format('role %s exists', :'role') ELSE format('creating role %s (LOGIN)', :'role') END;
SELECT format('CREATE ROLE %I LOGIN', :'role') WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'role') \gexec
SELECT CASE WHEN NOT EXISTS (SELECT FROM pg_database WHERE datname = :'db')
  THEN format('creating database %s owned by %s', :'db', :'role')
  WHEN (SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = :'db') = :'role'
  THEN format('database %s exists, owned by %s', :'db', :'role')
  ELSE format('WARNING: database %s exists but is owned by %s, not %s — tarmac leaves it as it is', :'db',
    (SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = :'db'), :'role') END;
SELECT format('CREATE DATABASE %I OWNER %I', :'db', :'role')
  WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'db') \gexec
-- Only its owner (and superusers) may connect: other instances' roles on this server cannot reach it.
SELECT format('REVOKE CONNECT, TEMPORARY ON DATABASE %I FROM PUBLIC', :'db') \gexec
SELECT pg_advisory_unlock(hashtext('tarmac:provision')) \g /dev/null
SQL
    die "could not provision the database $db and role $role on this host (see above)"
  fi
  log "database $db ready: role $role connects over $PG_SOCKET_DIR with peer authentication"
}
