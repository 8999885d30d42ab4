# shellcheck shell=bash
# A database on a database host of the fleet (`database: { server: <host> }`). On that host BeforeInstall
# provisions the role and database as for a local one (tarmac/database.sh), gives the role the instance's
# `database_password` (a tarmac secret, delivered like every secret: a root-only credential file), and
# admits the role to its database alone over TCP with SCRAM (`hostssl` when the server has TLS on) by a line
# of its own in pg_hba.conf, then reloads the server (no restart). Every other host waits until the role can
# log in, so no host migrates or starts before the database exists. The password never reaches a command
# line, a file outside the credentials directory, or the log: psql reads it from its stdin, and the login
# check from a pgpass file in a private temporary directory.

# Passwords tarmac splices into psql's input and a pgpass line: no quote, backslash, colon or space.
PASSWORD_CHARS='^[A-Za-z0-9._~+/=-]{16,}$'

server_password() {
  local file=$TARMAC_CREDENTIALS_DIR/database_password password
  [[ -f $file ]] || die "secret database_password is missing — run: tarmac secrets init $TARMAC_APP $TARMAC_ENV"
  password=$(<"$file")
  [[ $password =~ $PASSWORD_CHARS ]] ||
    die "database_password of $TARMAC_APP/$TARMAC_ENV must be 16 or more of A-Z a-z 0-9 . _ ~ + / = - (tarmac secrets init generates one)"
  printf '%s' "$password"
}

# database_server_here — true when TARMAC_DATABASE_SERVER names this host (it resolves to one of its addresses).
database_server_here() {
  local address
  for address in $(getent ahosts "$TARMAC_DATABASE_SERVER" | awk '{print $1}' | sort -u); do
    ip -o addr show | awk '{print $4}' | cut -d/ -f1 | grep -qxF -- "$address" && return 0
  done
  return 1
}

pg_show() {
  (cd / && runuser -u postgres -- psql -X -A -t -q -h "$PG_SOCKET_DIR" -d postgres -c "SHOW $1")
}

# admit_role — this instance's pg_hba.conf lines (appended once, under a lock), then a reload.
admit_role() {
  local hba kind=hostssl line
  hba=$(pg_show hba_file)
  [[ $(pg_show ssl) == on ]] || {
    kind=host
    log "WARNING: the PostgreSQL server has ssl off: $TARMAC_DATABASE_NAME is reached without TLS (SCRAM still guards the password)"
  }
  case $(pg_show listen_addresses) in
    '' | localhost | 127.0.0.1 | ::1)
      die "PostgreSQL on this host listens only on localhost, so the other hosts cannot reach $TARMAC_DATABASE_NAME — set listen_addresses = '*' (e.g. in conf.d/) and restart it once" ;;
  esac
  (
    flock 9
    for line in "$kind $TARMAC_DATABASE_NAME $TARMAC_USER 0.0.0.0/0 scram-sha-256" \
      "$kind $TARMAC_DATABASE_NAME $TARMAC_USER ::/0 scram-sha-256"; do
      grep -qxF -- "$line" "$hba" || {
        printf '# tarmac %s/%s\n%s\n' "$TARMAC_APP" "$TARMAC_ENV" "$line" >>"$hba"
        log "pg_hba.conf: added '$line'"
      }
    done
  ) 9>/run/lock/tarmac-pg-hba.lock
  [[ $(cd / && runuser -u postgres -- psql -X -A -t -q -h "$PG_SOCKET_DIR" -d postgres -c 'SELECT pg_reload_conf()') == t ]] ||
    die "could not reload PostgreSQL after editing $hba"
}

# provision_server_database — on the database host: role, database, password, admission.
provision_server_database() {
  local password
  password=$(server_password)
  provision_database
  # The password goes in on psql's stdin (printf is a builtin: no argv), quoted by psql itself (:'pw').
  if ! {
    printf "\\set pw '%s'\n" "$password"
    printf '%s\n' "SELECT format('ALTER ROLE %I PASSWORD %L', :'role', :'pw') \\gexec"
  } | (cd / && runuser -u postgres -- psql -X -q -A -t -v ON_ERROR_STOP=1 -h "$PG_SOCKET_DIR" -d postgres \
    -v role="$TARMAC_USER" 2>&1) | pg_log; then
    die "could not set the password of role $TARMAC_USER"
  fi
  admit_role
  log "database $TARMAC_DATABASE_NAME ready for the fleet: role $TARMAC_USER logs in over TCP on port $TARMAC_DATABASE_PORT"
}

# await_server_database — on the other hosts: wait until the role logs in to its database on the server.
await_server_database() {
  local password dir deadline=$((SECONDS + 300)) output=''
  password=$(server_password)
  dir=$(mktemp -d /run/tarmac-pgpass.XXXXXX)
  # shellcheck disable=SC2064  # expand now: $dir is local
  trap "rm -rf -- '$dir'" RETURN
  printf '%s:%s:%s:%s:%s\n' "$TARMAC_DATABASE_SERVER" "$TARMAC_DATABASE_PORT" "$TARMAC_DATABASE_NAME" \
    "$TARMAC_USER" "$password" >"$dir/pgpass"
  chmod 0600 "$dir/pgpass"
  log "waiting for database $TARMAC_DATABASE_NAME on $TARMAC_DATABASE_SERVER:$TARMAC_DATABASE_PORT"
  until output=$(PGPASSFILE=$dir/pgpass PGCONNECT_TIMEOUT=5 psql -X -A -t -q -w -h "$TARMAC_DATABASE_SERVER" \
    -p "$TARMAC_DATABASE_PORT" -U "$TARMAC_USER" -d "$TARMAC_DATABASE_NAME" -c 'SELECT 1' 2>&1); do
    ((SECONDS < deadline)) ||
      die "role $TARMAC_USER cannot log in to $TARMAC_DATABASE_NAME on $TARMAC_DATABASE_SERVER:$TARMAC_DATABASE_PORT within 300 s: $output — is the database host deployed (it provisions the database) and reachable?"
    sleep 1
  done
  log "database $TARMAC_DATABASE_NAME on $TARMAC_DATABASE_SERVER answers for role $TARMAC_USER"
}
