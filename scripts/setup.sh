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
  sudo                                           # SSH test hosts: the deploy user runs hooks with sudo -n
)
# nginx is installed apart (below): test hosts run it, the machine itself never does.

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

# nginx: the vhosts' server inside test hosts (overlays of /, so the binary comes from here). Installing it
# must never start or enable it on the machine: a policy-rc.d that refuses every start is in place during
# the install (Debian's invoke-rc.d asks it), and the enable link the package makes is removed after, so
# neither this machine nor a host booted from it starts nginx until a bundle enables it inside a host.
if ! dpkg-query -W -f='${Status}' nginx 2>/dev/null | grep -q 'install ok installed'; then
  echo "setup: installing nginx (not started, not enabled on this machine)"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  policy=/usr/sbin/policy-rc.d
  own_policy=""
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\n# tarmac setup: no service starts while nginx is installed\nexit 101\n' | $SUDO tee "$policy" >/dev/null
    $SUDO chmod 0755 "$policy"
    own_policy=1
  fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq nginx >/dev/null || install_failed=1
  [ -z "$own_policy" ] || $SUDO rm -f "$policy"
  [ -z "${install_failed:-}" ] || { echo "setup: installing nginx failed" >&2; exit 1; }
  $SUDO deb-systemd-helper disable nginx.service >/dev/null 2>&1 || true
  $SUDO rm -f /etc/systemd/system/multi-user.target.wants/nginx.service
fi

# openssh-server: sshd for the SSH test hosts (tarmac deploys to them over SSH). It must never run, nor be
# enabled, on this machine itself: installed with services refused (policy-rc.d, exit 101), with Debian's
# "sshd_not_to_be_run" marker (ssh.service and the init script both honour it), its enable links removed.
# Test hosts (overlays of /) remove the marker and make their own host keys when they boot with --ssh.
if ! dpkg-query -W -f='${Status}' openssh-server 2>/dev/null | grep -q 'install ok installed'; then
  echo "setup: installing openssh-server (for SSH test hosts; not started or enabled on this machine)"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO mkdir -p /etc/ssh
  $SUDO touch /etc/ssh/sshd_not_to_be_run
  policy=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    policy=/usr/sbin/policy-rc.d
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null
    $SUDO chmod 0755 "$policy"
  fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq openssh-server >/dev/null
  [ -z "$policy" ] || $SUDO rm -f "$policy"
  # The package enables ssh.service: undo it, so neither this machine nor every test host starts sshd.
  for link in /etc/systemd/system/*.wants/ssh.service /etc/systemd/system/*.wants/ssh.socket \
    /etc/systemd/system/sshd.service; do
    [ ! -L "$link" ] || $SUDO rm -f "$link"
  done
fi

# npm: install when node_modules is missing or older than the lockfile.
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: installing npm packages (better-sqlite3 compiles from source, about a minute)"
  npm ci --no-audit --no-fund --loglevel=error
fi
