#!/bin/bash
# ValidateService — poll the health endpoint until 200 or the health timeout. On failure: show the unit's
# last journal lines, switch `current` back to the previous release (if any), restart it, and fail. On
# success: keep the newest keep_releases releases, never removing `current` or the rollback target.
set -euo pipefail
TARMAC_EVENT=ValidateService
# shellcheck source=SCRIPTDIR/../tarmac/lib.sh
. "$(dirname "$0")/../tarmac/lib.sh"
# shellcheck source=SCRIPTDIR/../tarmac/bake.sh
. "$(dirname "$0")/../tarmac/bake.sh"
# shellcheck source=SCRIPTDIR/../tarmac/nginx.sh
. "$TARMAC_BUNDLE/tarmac/nginx.sh"
# shellcheck source=SCRIPTDIR/../tarmac/slots.sh
. "$TARMAC_BUNDLE/tarmac/slots.sh"

url="http://127.0.0.1:$TARMAC_PORT$TARMAC_HEALTH_PATH"

healthy() {
  local deadline=$((SECONDS + TARMAC_HEALTH_TIMEOUT)) code
  while :; do
    code=$(curl --silent --output /dev/null --write-out '%{http_code}' --max-time 5 -- "$url" || true)
    [[ $code == 200 ]] && return 0
    ((SECONDS < deadline)) || {
      log "last answer from $url: ${code:-none}"
      return 1
    }
    sleep 0.1
  done
}

# roll_back [REASON] — switch back to the previous release and fail with REASON.
roll_back() {
  local reason=${1:-"$TARMAC_UNIT did not answer 200 on $url within ${TARMAC_HEALTH_TIMEOUT}s"}
  log "last journal lines of $TARMAC_UNIT:"
  run journalctl -u "$TARMAC_UNIT" -n 30 --no-pager || true
  local previous current
  previous=$(link_target "$TARMAC_ROOT/previous")
  current=$(link_target "$TARMAC_ROOT/current")
  if [[ -n $previous && -d $previous && $previous != "$current" ]]; then
    link_atomically "$previous" "$TARMAC_ROOT/current"
    log "switched current back to $previous"
    run systemctl restart "$TARMAC_UNIT" || log "restarting $TARMAC_UNIT on $previous failed too"
    # Wait until the previous release serves again: a VM still booting ignores SIGTERM, so an
    # ApplicationStop right after this (the automatic rollback) would otherwise wait TimeoutStopSec.
    if healthy; then log "$previous serves again"; else log "$previous did not become healthy either"; fi
  else
    log "no previous release to switch back to"
  fi
  die "$reason"
}

retain() {
  local keep current previous blue green count=0 stamp name dir
  keep=$TARMAC_KEEP_RELEASES
  current=$(link_target "$TARMAC_ROOT/current")
  previous=$(link_target "$TARMAC_ROOT/previous")
  blue=$(link_target "$TARMAC_ROOT/slots/blue")
  green=$(link_target "$TARMAC_ROOT/slots/green")
  # Leftovers of interrupted AfterInstall runs (none can be running now: this host is past AfterInstall).
  find "$TARMAC_ROOT/releases" -mindepth 1 -maxdepth 1 -name '.incoming.*' -exec rm -rf -- {} +
  while read -r stamp name; do
    : "$stamp"
    dir="$TARMAC_ROOT/releases/$name"
    count=$((count + 1))
    if ((count > keep)) && [[ $dir != "$current" && $dir != "$previous" && $dir != "$blue" && $dir != "$green" ]]; then
      rm -rf -- "$dir"
      log "removed old release $name"
    fi
  done < <(find "$TARMAC_ROOT/releases" -mindepth 1 -maxdepth 1 -type d ! -name '.*' -printf '%T@ %f\n' | sort -rn)
}

# Slots: the new release runs beside the serving one. Healthy: nginx switches to it (a reload) and the old slot
# drains. Never healthy: it is stopped, and nginx never stopped sending traffic to the old slot.
validate_slot() {
  local slot active
  slot=$(<"$TARMAC_ROOT/pending-slot")
  active=$(active_slot)
  log "checking slot $slot on port $(slot_port "$slot") (up to ${TARMAC_HEALTH_TIMEOUT}s)"
  if ! slot_healthy "$slot"; then
    [[ $slot == "$active" ]] || abandon_slot "$slot"
    die "slot $slot did not answer 200 on port $(slot_port "$slot")$TARMAC_HEALTH_PATH within ${TARMAC_HEALTH_TIMEOUT}s"
  fi
  log "slot $slot answers 200 (at $(date +%s%3N) ms): switching nginx to it"
  switch_to_slot "$slot" || {
    [[ $slot == "$active" ]] || abandon_slot "$slot"
    die "nginx could not be switched to slot $slot (see above); slot ${active:-(none)} keeps serving"
  }
  rm -f -- "$TARMAC_ROOT/pending-slot"
  log "slot $slot serves release $TARMAC_RELEASE_ID"
  retain
}

if [[ $TARMAC_SLOTS == on ]]; then
  validate_slot
  exit 0
fi
log "checking $url (up to ${TARMAC_HEALTH_TIMEOUT}s)"
healthy || roll_back
log "$TARMAC_UNIT answers 200 on $url — release $TARMAC_RELEASE_ID is live"
if canary_here; then bake "$url" || roll_back "$BAKE_FAILURE"; fi
retain
