# shellcheck shell=bash
# nginx in front of the instance (TARMAC_NGINX=on): one vhost per instance in $TARMAC_NGINX_DIR, pulled in by
# the shared $TARMAC_NGINX_SHARED. Every change is checked with `nginx -t` before nginx reloads, and a change
# that fails the check is undone at once, so one instance's bad vhost never takes the others on the host down.
# Edits by several instances at once are serialised by one lock per host.

NGINX_LOCK=/run/lock/tarmac-nginx.lock

# nginx_locked CMD… — run CMD holding the host's nginx lock.
nginx_locked() {
  local fd
  exec {fd}>"$NGINX_LOCK"
  flock "$fd"
  local status=0
  "$@" || status=$?
  exec {fd}>&-
  return "$status"
}

# nginx_apply — check the whole configuration, then reload (or start) nginx; fails with nginx's own words.
nginx_apply() {
  local out
  if ! out=$(nginx -t 2>&1); then
    printf '%s\n' "$out" | while IFS= read -r line; do log "  nginx -t: $line"; done
    return 1
  fi
  if systemctl is-active --quiet nginx.service; then
    local workers
    workers=$(nginx_workers)
    run systemctl reload nginx.service
    wait_old_workers "$workers"
  else
    log "nginx is not running: enabling and starting it"
    run systemctl enable --now nginx.service
  fi
}

# nginx_workers — PIDs of the master's worker processes now.
nginx_workers() {
  local master
  master=$(cat /run/nginx.pid 2>/dev/null || true)
  [[ -z $master ]] || pgrep -P "$master" || true
}

# wait_old_workers PIDS — a reload is asynchronous: new workers start, then the old ones stop accepting and
# finish what they hold (open websockets included). Wait (≤ 5 s) until none of PIDS accepts any more, so the
# switch is complete when the hook says so.
wait_old_workers() {
  local pid deadline=$((SECONDS + 5)) accepting
  while ((SECONDS < deadline)); do
    accepting=""
    for pid in $1; do
      [[ -r /proc/$pid/cmdline ]] || continue
      tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 'shutting down' || accepting=1
    done
    [[ -n $accepting ]] || return 0
    sleep 0.05
  done
  log "old nginx workers still accept connections 5 s after the reload"
}

# replace_checked FILE NEW — put NEW in place of FILE, apply; on failure put FILE's old content back.
replace_checked() {
  local file=$1 new=$2 backup="$1.tarmac-old"
  if [[ -f $file ]]; then cp -p -- "$file" "$backup"; else rm -f -- "$backup"; fi
  mv -fT -- "$new" "$file"
  if nginx_apply; then
    rm -f -- "$backup"
    return 0
  fi
  if [[ -f $backup ]]; then mv -fT -- "$backup" "$file"; else rm -f -- "$file"; fi
  log "restored the previous $(basename "$file"): nginx keeps serving every other instance as before"
  return 1
}

# write_if_changed SOURCE DEST MODE — install SOURCE as DEST (rename) unless DEST already holds the same bytes.
write_if_changed() {
  if [[ -f $2 ]] && cmp -s -- "$1" "$2"; then return 0; fi
  install -m "$3" -o root -g root -- "$1" "$2.tmp.$$"
  mv -fT -- "$2.tmp.$$" "$2"
}

# upstream_to PORT — the upstream.conf line pointing at 127.0.0.1:PORT, written beside the live one.
upstream_to() {
  local tmp="$TARMAC_NGINX_DIR/.upstream.conf.$$"
  printf 'upstream %s { server 127.0.0.1:%s; }\n' "$TARMAC_UPSTREAM" "$1" >"$tmp"
  printf '%s' "$tmp"
}

# upstream_port — the port upstream.conf points at now (empty when there is none).
upstream_port() {
  [[ -f $TARMAC_NGINX_DIR/upstream.conf ]] || return 0
  sed -n 's/.*server 127\.0\.0\.1:\([0-9]*\);.*/\1/p' "$TARMAC_NGINX_DIR/upstream.conf"
}

# install_site_locked INITIAL_PORT — shared file, maintenance page, upstream (when missing), then the vhost.
install_site_locked() {
  command -v nginx >/dev/null || die "nginx is not installed on this host — install it (Debian: apt-get install nginx) or set nginx: false for $TARMAC_APP/$TARMAC_ENV"
  [[ -d /etc/nginx/conf.d ]] || die "/etc/nginx/conf.d does not exist — tarmac's vhosts need nginx.conf to include conf.d/*.conf (Debian's does)"
  install -d -m 0755 -o root -g root "$(dirname "$TARMAC_NGINX_DIR")" "$TARMAC_NGINX_DIR"
  write_if_changed "$TARMAC_BUNDLE/tarmac/nginx/maintenance.html" "$TARMAC_NGINX_DIR/maintenance.html" 0644
  if [[ ! -f $TARMAC_NGINX_DIR/upstream.conf ]]; then mv -fT -- "$(upstream_to "$1")" "$TARMAC_NGINX_DIR/upstream.conf"; fi
  write_if_changed "$TARMAC_BUNDLE/tarmac/nginx/shared.conf" "$TARMAC_NGINX_SHARED" 0644
  if [[ -f $TARMAC_NGINX_DIR/site.conf ]] && cmp -s -- "$TARMAC_BUNDLE/tarmac/nginx/site.conf" "$TARMAC_NGINX_DIR/site.conf"; then
    nginx_apply || die "nginx -t fails on this host (see above) — fix it; $TARMAC_APP/$TARMAC_ENV's vhost is unchanged"
    log "vhost of $TARMAC_DOMAIN unchanged"
    return 0
  fi
  install -m 0644 -o root -g root -- "$TARMAC_BUNDLE/tarmac/nginx/site.conf" "$TARMAC_NGINX_DIR/.site.conf.$$"
  replace_checked "$TARMAC_NGINX_DIR/site.conf" "$TARMAC_NGINX_DIR/.site.conf.$$" ||
    die "the vhost of $TARMAC_APP/$TARMAC_ENV fails nginx -t (see above) — nothing was reloaded"
  log "installed the vhost of $TARMAC_DOMAIN ($TARMAC_NGINX_DIR/site.conf)"
}

install_site() { nginx_locked install_site_locked "$@"; }

# point_upstream_locked PORT — send the instance's traffic to PORT (nginx reload: no connection is dropped).
point_upstream_locked() {
  if [[ $(upstream_port) == "$1" ]]; then
    log "nginx already sends $TARMAC_DOMAIN to port $1"
    return 0
  fi
  replace_checked "$TARMAC_NGINX_DIR/upstream.conf" "$(upstream_to "$1")" || return 1
  log "nginx sends $TARMAC_DOMAIN to port $1 now"
}

point_upstream() { nginx_locked point_upstream_locked "$@"; }

# remove_gone_environments — environments of this app no longer in tarmac.yml lose their units and vhost
# (their releases, state directory, user and database stay). Known instances are registered by BeforeInstall.
remove_gone_environments_locked() {
  local registry="/etc/tarmac/apps/$TARMAC_APP" file env known changed="" units=""
  [[ -d $registry ]] || return 0
  for file in "$registry"/*; do
    [[ -f $file ]] || continue
    env=${file##*/}
    known=""
    for e in "${TARMAC_APP_ENVS[@]}"; do [[ $e != "$env" ]] || known=1; done
    [[ -z $known ]] || continue
    log "$TARMAC_APP/$env is no longer in tarmac.yml: removing its units and vhost (its releases, state and database stay)"
    systemctl disable --now "tarmac-$TARMAC_APP-$env.service" "tarmac-$TARMAC_APP-$env@blue.service" \
      "tarmac-$TARMAC_APP-$env@green.service" >/dev/null 2>&1 || true
    rm -f -- "/etc/systemd/system/tarmac-$TARMAC_APP-$env.service" "/etc/systemd/system/tarmac-$TARMAC_APP-$env@.service"
    units=1
    if [[ -d /etc/nginx/tarmac/$TARMAC_APP-$env ]]; then
      rm -rf -- "/etc/nginx/tarmac/$TARMAC_APP-$env"
      changed=1
    fi
    rm -f -- "$file"
  done
  # Nothing removed, nothing to reload (a reload costs the service manager a full reparse).
  [[ -z $units ]] || run systemctl daemon-reload
  if [[ -n $changed ]] && command -v nginx >/dev/null; then
    nginx_apply || log "nginx -t fails after removing a vhost (see above) — nginx keeps its running configuration"
  fi
}

remove_gone_environments() { nginx_locked remove_gone_environments_locked; }
