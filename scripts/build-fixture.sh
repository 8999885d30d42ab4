#!/usr/bin/env bash
# Build the real OTP release fixture (test/fixtures/hello) into .cache/fixtures/hello-<version>.tar.gz:
# 1.0.0 and 2.0.0 healthy, 3.0.0 "broken" (boots, but GET /health answers 500).
# Idempotent: a version is rebuilt only when a content hash of the fixture sources (and of this script and
# the Elixir/OTP installed) differs from the one recorded next to its tarball. Concurrent runs serialize.
# Nothing is written outside the repository: HOME, MIX_HOME and HEX_HOME point into .cache/fixtures.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
SRC=$ROOT/test/fixtures/hello
OUT=$ROOT/.cache/fixtures
mkdir -p "$OUT"

exec 9>"$OUT/.lock"
flock 9

export HOME=$OUT/home MIX_HOME=$OUT/home/mix HEX_HOME=$OUT/home/hex MIX_ENV=prod
mkdir -p "$HOME"

sources_hash() {
  {
    (cd "$SRC" && find mix.exs config lib -type f -print0 | sort -z | xargs -0 sha256sum)
    sha256sum "$ROOT/scripts/build-fixture.sh" | cut -d' ' -f1
    elixir --version 2>/dev/null | tail -1
  } | sha256sum | cut -d' ' -f1
}

build() { # build <version> <broken 0|1>
  local version=$1 broken=$2 hash tarball stamp build_root
  hash="$(sources_hash)-broken$broken"
  tarball=$OUT/hello-$version.tar.gz
  stamp=$tarball.src-sha256
  if [ -f "$tarball" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$hash" ]; then
    echo "build-fixture: hello-$version is up to date"
    return
  fi
  echo "build-fixture: building hello-$version"
  # One build root per version: compile-time config (the broken switch) and the version differ.
  build_root=$OUT/build/$version
  (cd "$SRC" && HELLO_VERSION=$version HELLO_BROKEN=$broken MIX_BUILD_ROOT=$build_root \
    mix release --overwrite --quiet hello >"$OUT/build-$version.log" 2>&1) || {
    cat "$OUT/build-$version.log" >&2
    echo "build-fixture: building hello-$version failed (log above)" >&2
    exit 1
  }
  cp "$build_root/prod/hello-$version.tar.gz" "$tarball.tmp"
  mv "$tarball.tmp" "$tarball"
  echo "$hash" >"$stamp"
}

build 1.0.0 0
build 2.0.0 0
build 3.0.0 1
