#!/usr/bin/env bash
# Install everything tarmac's demo and tests need, idempotently: Debian packages, then npm packages.
# Safe to run again and again; it only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

DEBIAN_PACKAGES=(
  elixir erlang-dev erlang-inets erlang-os-mon   # build the real OTP release fixture (mix release)
  systemd-container iproute2 curl                # local test hosts: systemd-nspawn, veth, health checks
  shellcheck                                     # lint the rendered hook scripts
  postgresql                                     # local databases: a server inside test hosts (demo, tests)
  wrk                                            # bench/webhook
  chromium                                       # dashboard browser test (driven by playwright-core)
)

missing=()
for pkg in "${DEBIAN_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# npm: install when node_modules is missing or older than the lockfile.
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: installing npm packages (better-sqlite3 compiles from source, about a minute)"
  npm ci --no-audit --no-fund --loglevel=error
fi
