#!/bin/bash
# AfterInstall — fetch the release tarball; in one pass verify its sha256 and validate every entry before tar
# unpacks it (tarball.py: the same rules as `tarmac release check`) into a temporary directory, renamed to
# releases/<id> only when all passed; then install the start wrapper and the unit. Running it twice is harmless.
set -euo pipefail
TARMAC_EVENT=AfterInstall
# shellcheck source=SCRIPTDIR/../tarmac/lib.sh
. "$(dirname "$0")/../tarmac/lib.sh"
# shellcheck source=SCRIPTDIR/../tarmac/nginx.sh
. "$TARMAC_BUNDLE/tarmac/nginx.sh"
# shellcheck source=SCRIPTDIR/../tarmac/slots.sh
. "$TARMAC_BUNDLE/tarmac/slots.sh"

target=$(release_dir "$TARMAC_RELEASE_ID")
work=""
cleanup() { [[ -z $work ]] || rm -rf -- "$work"; }
trap cleanup EXIT

# fetch — set $file to the release tarball on this host: downloaded into the work dir (S3), or the file the
# deployer uploaded (file://, root-only; tarball.py reads it once, from one open descriptor).
fetch() {
  case $TARMAC_RELEASE_URL in
    s3://*)
      file=$work/release.tar.gz
      run aws s3 cp --only-show-errors "$TARMAC_RELEASE_URL" "$file"
      ;;
    file://*) file=${TARMAC_RELEASE_URL#file://} ;;
    *) die "release URL $TARMAC_RELEASE_URL is neither s3:// nor file://" ;;
  esac
}

unpack() {
  if [[ -f $target/.tarmac-sha256 && ! -L $target/.tarmac-sha256 &&
    $(<"$target/.tarmac-sha256") == "$TARMAC_RELEASE_SHA256" ]]; then
    log "release $TARMAC_RELEASE_ID is already unpacked in $target"
    return 0
  fi
  # Temporary work lives under releases/ (same filesystem, so the final rename is atomic).
  work=$(mktemp -d "$TARMAC_ROOT/releases/.incoming.XXXXXX")
  log "fetching $TARMAC_RELEASE_URL"
  local file
  fetch
  # One pass: its sha256 must be the accepted release's, every entry is validated before tar unpacks it.
  log "validating and unpacking release $TARMAC_RELEASE_ID"
  run python3 "$TARMAC_BUNDLE/tarmac/tarball.py" extract "$file" "$work/root" --sha256 "$TARMAC_RELEASE_SHA256" \
    --release-name "$TARMAC_RELEASE_NAME" --max-bytes "$TARMAC_MAX_BYTES" --max-entries "$TARMAC_MAX_ENTRIES" \
    --max-depth "$TARMAC_MAX_DEPTH" --max-ratio "$TARMAC_MAX_RATIO" ||
    die "release $TARMAC_RELEASE_ID was refused (see above); nothing was installed"
  # The marker is written beside the tree and renamed in: rename(2) never follows a link already there.
  printf '%s\n' "$TARMAC_RELEASE_SHA256" >"$work/sha256"
  mv -fT -- "$work/sha256" "$work/root/.tarmac-sha256"
  # The release dir's mtime orders releases for retention (tar may have set an old one).
  touch -- "$work/root"
  rm -rf -- "$target"
  mv -T -- "$work/root" "$target"
  log "unpacked into $target"
}

# install_file SOURCE DEST MODE — replace DEST atomically (rename), root-owned.
install_file() {
  install -m "$3" -o root -g root -- "$1" "$2.tmp.$$"
  mv -fT -- "$2.tmp.$$" "$2"
}

install_service() {
  install_file "$TARMAC_BUNDLE/tarmac/tarmac-start" "$TARMAC_START_WRAPPER" 0755
  if [[ $TARMAC_SLOTS == on ]]; then
    # The template unit and each slot's environment; which slot runs is ApplicationStart's call.
    local slot
    for slot in blue green; do
      install_file "$TARMAC_BUNDLE/tarmac/slot-$slot.env" "$(dirname "$TARMAC_CREDENTIALS_DIR")/slot-$slot.env" 0644
    done
    install -d -m 0755 -o root -g root "$TARMAC_ROOT/slots"
    install_file "$TARMAC_BUNDLE/tarmac/$TARMAC_SLOT_TEMPLATE" "/etc/systemd/system/$TARMAC_SLOT_TEMPLATE" 0644
    run systemctl daemon-reload
    log "installed $TARMAC_SLOT_TEMPLATE (slots blue, green) and $TARMAC_START_WRAPPER"
    return 0
  fi
  install_file "$TARMAC_BUNDLE/tarmac/$TARMAC_UNIT" "/etc/systemd/system/$TARMAC_UNIT" 0644
  # Even for an unchanged unit file: on test hosts a unit whose last stop could not kill its whole cgroup
  # ("Failed to kill control group … Input/output error") then failed to start (219/CGROUP) without one.
  run systemctl daemon-reload
  # The link `enable` makes (the unit's WantedBy=multi-user.target); enable would reload the manager again.
  [[ -L /etc/systemd/system/multi-user.target.wants/$TARMAC_UNIT ]] || run systemctl enable "$TARMAC_UNIT"
  log "installed $TARMAC_UNIT and $TARMAC_START_WRAPPER"
}

# The vhost goes in before any switch; until then its upstream keeps pointing where traffic goes now.
install_nginx() {
  local initial=$TARMAC_PORT active
  if [[ $TARMAC_SLOTS == on ]]; then
    active=$(active_slot)
    [[ -z $active ]] || initial=$(slot_port "$active")
  fi
  install_site "$initial"
}

[[ -d $TARMAC_ROOT/releases ]] || die "$TARMAC_ROOT/releases does not exist — did BeforeInstall run?"
unpack
install_service
[[ $TARMAC_NGINX != on ]] || install_nginx
remove_gone_environments
