# shellcheck shell=bash
# Shared by every tarmac hook. Sourced right after `set -euo pipefail` with TARMAC_EVENT set.
# Locates the bundle from the hook's own path (the agent's cwd is unspecified), loads the non-secret
# instance.env, and gives hooks a logger that stamps every line with the correlation and deployment ids.

umask 022
export LC_ALL=C
TARMAC_BUNDLE=$(cd "$(dirname "$0")/.." && pwd -P)
# shellcheck source=SCRIPTDIR/../tarmac/instance.env
. "$TARMAC_BUNDLE/tarmac/instance.env"
TARMAC_EVENT=${LIFECYCLE_EVENT:-${TARMAC_EVENT:-hook}}

# log MESSAGE… — one line on stdout: tarmac[<correlation id>] <event> <deployment id>: message
log() {
  printf 'tarmac[%s] %s %s: %s\n' "$TARMAC_CORRELATION_ID" "$TARMAC_EVENT" "$TARMAC_DEPLOYMENT_ID" "$*"
}

# die MESSAGE… — log on stderr and fail the hook.
die() {
  log "FAILED: $*" >&2
  exit 1
}

# run CMD… — run a command, prefixing each of its output lines like log does; keeps its exit status.
run() {
  local status=0
  "$@" 2>&1 </dev/null | while IFS= read -r line || [[ -n $line ]]; do log "  $line"; done || status=$?
  return "$status"
}

# link_atomically TARGET LINK — point LINK at TARGET in one rename(2): readers never see it missing.
link_atomically() {
  local tmp
  tmp="$2.tmp.$$"
  ln -sfn -- "$1" "$tmp"
  mv -fT -- "$tmp" "$2"
}

# release_dir ID — where release ID is (or will be) unpacked.
release_dir() {
  printf '%s/releases/%s' "$TARMAC_ROOT" "$1"
}

# link_target LINK — the absolute target of a symlink, or nothing when LINK does not exist.
link_target() {
  if [[ -L $1 ]]; then readlink -f -- "$1" || true; fi
}
