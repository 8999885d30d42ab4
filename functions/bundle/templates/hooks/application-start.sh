#!/bin/bash
# ApplicationStart — run the migration exactly once per deployment across the fleet (before this host
# switches), then switch `current` to the new release atomically and restart the unit.
set -euo pipefail
TARMAC_EVENT=ApplicationStart
# shellcheck source=SCRIPTDIR/../tarmac/lib.sh
. "$(dirname "$0")/../tarmac/lib.sh"
# shellcheck source=SCRIPTDIR/../tarmac/lock.sh
. "$TARMAC_BUNDLE/tarmac/lock.sh"
# shellcheck source=SCRIPTDIR/../tarmac/nginx.sh
. "$TARMAC_BUNDLE/tarmac/nginx.sh"
# shellcheck source=SCRIPTDIR/../tarmac/slots.sh
. "$TARMAC_BUNDLE/tarmac/slots.sh"

target=$(release_dir "$TARMAC_RELEASE_ID")
migrate_unit="tarmac-$TARMAC_INSTANCE-migrate-$TARMAC_DEPLOYMENT_ID"

# The migration runs as a transient unit with the service's user, credentials and environment, against the
# NEW release; its own runtime directory keeps it from removing the running service's one when it ends, and
# no distribution keeps its node name from clashing with the service's.
run_migration() {
  local props=(-p "User=$TARMAC_USER" -p "Group=$TARMAC_USER" -p "WorkingDirectory=$TARMAC_STATE_DIR"
    -p "StateDirectory=$TARMAC_STATE_DIRECTORY" -p "RuntimeDirectory=$TARMAC_RUNTIME_DIRECTORY-migrate"
    -p NoNewPrivileges=yes -p ProtectSystem=strict -p ProtectHome=yes -p PrivateTmp=yes -p PrivateDevices=yes
    -p LimitNOFILE=65536)
  local name entry
  for name in "${TARMAC_SECRETS[@]}"; do props+=(-p "LoadCredential=$name:$TARMAC_CREDENTIALS_DIR/$name"); done
  for entry in "${TARMAC_SERVICE_ENV[@]}"; do props+=(-p "Environment=$entry"); done
  props+=(-p "Environment=RELEASE_TMP=/run/$TARMAC_RUNTIME_DIRECTORY-migrate" -p "Environment=RELEASE_DISTRIBUTION=none")
  # The migration records which deployment it ran for (tarmac-wide id, not the deployer's).
  props+=(-p "Environment=TARMAC_DEPLOYMENT_ID=$TARMAC_DEPLOYMENT_ID")
  # The service manager expands $VAR, ${VAR} and $$ in a transient unit's command line as in ExecStart=:
  # every $ doubled, the expression reaches the VM unchanged.
  run systemd-run --quiet --wait --pipe --collect --service-type=exec \
    --unit="$migrate_unit" "${props[@]}" \
    "$TARMAC_START_WRAPPER" --release-dir "$target" eval "${TARMAC_MIGRATE//\$/\$\$}"
}

run_claimed() {
  if run_migration; then
    lock_mark "done"
    log "migration done"
  else
    lock_mark failed
    die "migration failed — current still points at the previous release"
  fi
}

# lock_held — the lock was claimed before: say by whom, when and whether it is live, then act on it.
lock_held() {
  local status holder at age
  read -r status holder at < <(lock_info || true) || true
  age="$(($(date +%s) - ${at:-$(date +%s)}))s ago"
  case $status in
    done) log "the migration of deployment $TARMAC_DEPLOYMENT_ID was already done by ${holder:-?} $age — not running it again (lock: $(lock_where))" ;;
    failed) die "the migration of deployment $TARMAC_DEPLOYMENT_ID failed on ${holder:-?} $age (lock: $(lock_where))" ;;
    running)
      # This host's own claim with no migration unit running here is a leftover of an interrupted run (hooks
      # of one deployment run one at a time on a host): run the migration again; migrations are idempotent.
      if [[ $holder == "$(hostname)" ]] && ! systemctl is-active --quiet "$migrate_unit"; then
        log "leftover lock: this host claimed the migration of deployment $TARMAC_DEPLOYMENT_ID $age but no migration runs here any more (an interrupted run) — running it again (lock: $(lock_where))"
        lock_mark running
        run_claimed
        return
      fi
      log "host $holder runs the migration of deployment $TARMAC_DEPLOYMENT_ID (claimed $age) — waiting for it (lock: $(lock_where))"
      lock_wait
      ;;
    *)
      log "another host is claiming the migration of deployment $TARMAC_DEPLOYMENT_ID — waiting for it (lock: $(lock_where))"
      lock_wait
      ;;
  esac
}

migrate() {
  if [[ -z $TARMAC_MIGRATE ]]; then
    log "no migrate expression configured — skipping migrations"
    return 0
  fi
  if [[ $TARMAC_MIGRATE_SCOPE == host ]]; then
    # The database is on this host's own server: no other host migrates it (its schema_migrations table
    # keeps a re-run from applying a version twice).
    log "the database is on this host: migrating it here"
    run_migration || die "migration failed — current still points at the previous release"
    log "migration done"
    return 0
  fi
  if [[ $TARMAC_LOCK_KIND == tarmac ]]; then
    # The deployer holds the fleet-wide lock: it lets one host migrate, and starts this hook on the others
    # only once that host marked the migration done.
    case ${TARMAC_MIGRATION_CLAIM:-} in
      run) ;;
      done:*)
        log "the migration of deployment $TARMAC_DEPLOYMENT_ID was done by ${TARMAC_MIGRATION_CLAIM#done:} — not running it again (lock: tarmac)"
        return 0
        ;;
      *) die "no migration claim from tarmac (TARMAC_MIGRATION_CLAIM is '${TARMAC_MIGRATION_CLAIM:-}'): run this bundle with tarmac's deployer" ;;
    esac
  fi
  if lock_claim; then
    log "this host runs the migration of deployment $TARMAC_DEPLOYMENT_ID (lock: $(lock_where))"
    run_claimed
  else
    lock_held
  fi
}

switch() {
  local current
  current=$(link_target "$TARMAC_ROOT/current")
  if [[ $current == "$target" ]]; then
    log "current already points at $TARMAC_RELEASE_ID"
  else
    if [[ -n $current && -d $current ]]; then link_atomically "$current" "$TARMAC_ROOT/previous"; fi
    link_atomically "$target" "$TARMAC_ROOT/current"
    log "switched current: ${current:-(none)} -> $target"
  fi
}

# Slots of an earlier deploy hold the ports: they give way to the single unit (nginx follows it below).
stop_slots() {
  local slot
  for slot in blue green; do
    cancel_drain "$slot"
    if systemctl is-active --quiet "$(slot_unit "$slot")" || systemctl is-enabled --quiet "$(slot_unit "$slot")" 2>/dev/null; then
      run systemctl disable --now "$(slot_unit "$slot")" || true
      log "stopped slot $slot: the instance runs one unit from now on"
    fi
  done
  rm -f -- "$TARMAC_ROOT/active-slot" "$TARMAC_ROOT/pending-slot"
}

[[ -f $target/.tarmac-sha256 ]] || die "release $TARMAC_RELEASE_ID is not unpacked in $target — did AfterInstall run?"
migrate
if [[ $TARMAC_SLOTS == on ]]; then
  # No restart: the new release starts beside the serving one; ValidateService switches nginx.
  start_idle_slot "$target"
  exit 0
fi
switch
[[ ! -f $TARMAC_ROOT/active-slot ]] || stop_slots
run systemctl restart "$TARMAC_UNIT"
log "restarted $TARMAC_UNIT on release $TARMAC_RELEASE_ID"
if [[ $TARMAC_NGINX == on ]]; then point_upstream "$TARMAC_PORT" || die "nginx could not be pointed at port $TARMAC_PORT (see above)"; fi
