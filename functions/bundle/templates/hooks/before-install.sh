#!/bin/bash
# BeforeInstall — the platform check (can this host run the release?), system user and group, directories, and every secret of the instance written as a
# credential file (root 0600) for systemd's LoadCredential=. Secret values are never printed. A local
# database gets its role and database (tarmac/database.sh), a fleet host's database its admission too
# (tarmac/database-server.sh).
set -euo pipefail
TARMAC_EVENT=BeforeInstall
# shellcheck source=SCRIPTDIR/../tarmac/lib.sh
. "$(dirname "$0")/../tarmac/lib.sh"
# shellcheck source=SCRIPTDIR/../tarmac/database.sh
. "$TARMAC_BUNDLE/tarmac/database.sh"
# shellcheck source=SCRIPTDIR/../tarmac/database-server.sh
. "$TARMAC_BUNDLE/tarmac/database-server.sh"
# shellcheck source=SCRIPTDIR/../tarmac/platform.sh
. "$TARMAC_BUNDLE/tarmac/platform.sh"
# shellcheck source=SCRIPTDIR/../tarmac/needs.env
. "$TARMAC_BUNDLE/tarmac/needs.env"

ensure_user() {
  if ! getent group "$TARMAC_USER" >/dev/null; then
    groupadd --system "$TARMAC_USER"
    log "created group $TARMAC_USER"
  fi
  if ! getent passwd "$TARMAC_USER" >/dev/null; then
    # Home is the unit's StateDirectory, which systemd creates and owns for the service; no login shell.
    useradd --system --gid "$TARMAC_USER" --home-dir "$TARMAC_STATE_DIR" --no-create-home \
      --shell /usr/sbin/nologin --comment "tarmac $TARMAC_APP/$TARMAC_ENV" "$TARMAC_USER"
    log "created system user $TARMAC_USER"
  fi
}

ensure_dirs() {
  install -d -m 0755 -o root -g root "$TARMAC_ROOT" "$TARMAC_ROOT/releases" "$TARMAC_ROOT/bin"
  install -d -m 0755 -o root -g root "$(dirname "$TARMAC_CREDENTIALS_DIR")"
  install -d -m 0700 -o root -g root "$TARMAC_CREDENTIALS_DIR"
  chmod 0700 "$TARMAC_CREDENTIALS_DIR"
}

# Local mode: one file per secret in a directory (the local secret store's layout).
secrets_from_dir() {
  local name tmp
  for name in "${TARMAC_SECRETS[@]}"; do
    [[ -f $TARMAC_SECRETS_PATH/$name ]] ||
      die "secret $name is missing from $TARMAC_SECRETS_PATH — run: tarmac secrets set $TARMAC_APP/$TARMAC_ENV $name --stdin"
    tmp=$(mktemp "$TARMAC_CREDENTIALS_DIR/.$name.XXXXXX")
    cat -- "$TARMAC_SECRETS_PATH/$name" >"$tmp"
    chmod 0600 "$tmp"
    mv -fT -- "$tmp" "$TARMAC_CREDENTIALS_DIR/$name"
  done
}

# AWS mode: one GetParametersByPath walk. The AWS CLI follows NextToken by itself (auto-pagination; pages
# of 10, the API's maximum), so the JSON holds every parameter. Values go through a pipe to python3, which
# writes the files; JSON keeps tabs and newlines in values intact, unlike --output text.
secrets_from_ssm() {
  local region=()
  [[ -z $TARMAC_SECRETS_REGION ]] || region=(--region "$TARMAC_SECRETS_REGION")
  aws ssm get-parameters-by-path "${region[@]}" --path "$TARMAC_SECRETS_PATH" --with-decryption \
    --page-size 10 --output json </dev/null |
    python3 "$TARMAC_BUNDLE/tarmac/ssm-secrets.py" "$TARMAC_CREDENTIALS_DIR" "$TARMAC_SECRETS_PATH" "${TARMAC_SECRETS[@]}" ||
    die "could not write the secrets of $TARMAC_APP/$TARMAC_ENV from SSM $TARMAC_SECRETS_PATH (see above)"
}

# The local deployer (over nsenter or SSH): the secrets arrive on this hook's stdin, as the JSON that
# `aws ssm get-parameters-by-path` prints, so they are never in an argv, an environment or a file but the
# credentials.
secrets_from_stdin() {
  TARMAC_SECRETS_FROM="tarmac's secret store ($TARMAC_SECRETS_PATH)" \
    python3 "$TARMAC_BUNDLE/tarmac/ssm-secrets.py" "$TARMAC_CREDENTIALS_DIR" "$TARMAC_SECRETS_PATH" "${TARMAC_SECRETS[@]}" ||
    die "could not write the secrets of $TARMAC_APP/$TARMAC_ENV from stdin (see above)"
}

# First: a host that cannot run the release fails here, before a user, a directory or a secret is written.
check_platform
# The host's record of this app's instances: AfterInstall removes what tarmac.yml no longer has.
register_instance() {
  install -d -m 0755 -o root -g root /etc/tarmac/apps "/etc/tarmac/apps/$TARMAC_APP"
  [[ -f /etc/tarmac/apps/$TARMAC_APP/$TARMAC_ENV ]] || printf '%s\n' "$TARMAC_INSTANCE" >"/etc/tarmac/apps/$TARMAC_APP/$TARMAC_ENV"
}

ensure_user
ensure_dirs
register_instance
case $TARMAC_SECRETS_KIND in
  dir) secrets_from_dir ;;
  ssm) secrets_from_ssm ;;
  stdin) secrets_from_stdin ;;
  *) die "unknown secrets source kind '$TARMAC_SECRETS_KIND'" ;;
esac
log "credentials ready in $TARMAC_CREDENTIALS_DIR: ${TARMAC_SECRETS[*]}"
# A local database is provisioned here; one on a database host of the fleet there (the others wait for
# it); an external one (or none) needs nothing on this host.
case $TARMAC_DATABASE_KIND in
  local) provision_database ;;
  server) if database_server_here; then provision_server_database; else await_server_database; fi ;;
esac
