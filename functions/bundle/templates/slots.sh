# shellcheck shell=bash
# Blue/green slots (TARMAC_SLOTS=on). Each slot is an instance of the template unit (tarmac-<app>-<env>@blue,
# @green) with its own port and node name, running the release its link $TARMAC_ROOT/slots/<slot> points at.
# $TARMAC_ROOT/active-slot names the slot nginx sends traffic to; ApplicationStart starts the new release in
# the other one and writes $TARMAC_ROOT/pending-slot; ValidateService switches nginx once it is healthy and
# stops the old slot after the drain time (a transient timer, so a rollback within it switches straight back).

slot_unit() { printf 'tarmac-%s@%s.service' "$TARMAC_INSTANCE" "$1"; }
drain_unit() { printf 'tarmac-%s-drain-%s' "$TARMAC_INSTANCE" "$1"; }
other_slot() { if [[ $1 == blue ]]; then printf green; else printf blue; fi; }
slot_port() { if [[ $1 == blue ]]; then printf '%s' "$TARMAC_BLUE_PORT"; else printf '%s' "$TARMAC_GREEN_PORT"; fi; }
slot_release() { link_target "$TARMAC_ROOT/slots/$1"; }

# active_slot — the slot serving now ("" before the first slot deploy).
active_slot() {
  local slot=""
  [[ ! -f $TARMAC_ROOT/active-slot ]] || slot=$(<"$TARMAC_ROOT/active-slot")
  case $slot in blue | green) printf '%s' "$slot" ;; *) ;; esac
}

# slot_runs SLOT RELEASE_DIR — SLOT's unit is active on RELEASE_DIR.
slot_runs() {
  [[ $(slot_release "$1") == "$2" ]] && systemctl is-active --quiet "$(slot_unit "$1")"
}

# cancel_drain SLOT — a pending stop of SLOT (from an earlier switch) must not stop it under us.
cancel_drain() {
  systemctl stop "$(drain_unit "$1").timer" "$(drain_unit "$1").service" >/dev/null 2>&1 || true
}

# slot_healthy SLOT — poll SLOT's own port until 200 or the health timeout.
slot_healthy() {
  local url deadline=$((SECONDS + TARMAC_HEALTH_TIMEOUT)) code
  url="http://127.0.0.1:$(slot_port "$1")$TARMAC_HEALTH_PATH"
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

# start_idle_slot RELEASE_DIR — the slot that will serve RELEASE_DIR, started (or left running) there.
start_idle_slot() {
  local target=$1 active idle
  active=$(active_slot)
  # The plain unit of a deploy without slots holds blue's port: it gives way once (it may not come back).
  if [[ -f /etc/systemd/system/$TARMAC_UNIT ]]; then
    run systemctl disable --now "$TARMAC_UNIT" || true
    rm -f -- "/etc/systemd/system/$TARMAC_UNIT"
    run systemctl daemon-reload
    log "the instance runs in slots from now on: removed its single unit $TARMAC_UNIT"
  fi
  if [[ -n $active ]] && slot_runs "$active" "$target"; then
    log "slot $active already serves release $TARMAC_RELEASE_ID — nothing to start"
    printf '%s\n' "$active" >"$TARMAC_ROOT/pending-slot"
    return 0
  fi
  idle=$(other_slot "${active:-green}")
  cancel_drain "$idle"
  if slot_runs "$idle" "$target"; then
    log "slot $idle still runs release $TARMAC_RELEASE_ID (it was draining): switching back to it without a restart"
  else
    link_atomically "$target" "$TARMAC_ROOT/slots/$idle"
    run systemctl restart "$(slot_unit "$idle")"
    log "started release $TARMAC_RELEASE_ID in slot $idle (port $(slot_port "$idle")); slot ${active:-(none)} keeps serving"
  fi
  printf '%s\n' "$idle" >"$TARMAC_ROOT/pending-slot"
}

# switch_to_slot SLOT — nginx to SLOT, then SLOT is the active one; the other drains and stops.
switch_to_slot() {
  local slot=$1 old current
  old=$(active_slot)
  point_upstream "$(slot_port "$slot")" || return 1
  printf '%s\n' "$slot" >"$TARMAC_ROOT/active-slot.tmp"
  mv -fT -- "$TARMAC_ROOT/active-slot.tmp" "$TARMAC_ROOT/active-slot"
  current=$(link_target "$TARMAC_ROOT/current")
  if [[ -n $current && $current != "$(slot_release "$slot")" ]]; then link_atomically "$current" "$TARMAC_ROOT/previous"; fi
  link_atomically "$(slot_release "$slot")" "$TARMAC_ROOT/current"
  run systemctl enable "$(slot_unit "$slot")"
  [[ -n $old && $old != "$slot" ]] || return 0
  run systemctl disable "$(slot_unit "$old")" || true
  if ((TARMAC_DRAIN == 0)); then
    run systemctl stop "$(slot_unit "$old")"
    log "stopped slot $old (no drain time)"
  else
    cancel_drain "$old"
    run systemd-run --quiet --collect --unit="$(drain_unit "$old")" --on-active="${TARMAC_DRAIN}s" \
      --timer-property=AccuracySec=100ms systemctl stop "$(slot_unit "$old")"
    log "slot $old drains for ${TARMAC_DRAIN}s, then stops"
  fi
}

# abandon_slot SLOT — the new release never got healthy there: stop it; nginx never left the active slot.
abandon_slot() {
  log "last journal lines of $(slot_unit "$1"):"
  run journalctl -u "$(slot_unit "$1")" -n 30 --no-pager || true
  run systemctl stop "$(slot_unit "$1")" || true
  log "stopped slot $1; slot $(active_slot || true) keeps serving"
}
