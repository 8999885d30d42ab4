#!/usr/bin/env bash
# Every test tarmac has: install what is missing, lint, typecheck, then unit, contract, integration and e2e
# tests (real S3 protocol server, DynamoDB implementation, systemd hosts, OTP release, Chromium).
set -euo pipefail
cd "$(dirname "$0")/.."
export AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true

bash scripts/setup.sh
# moto (the AWS API emulator the AWS tests run against) ships with this machine kind and cannot be installed
# from here (PyPI is unreachable): say so at once instead of failing deep inside a test.
if ! python3 -c 'import moto.server' 2>/dev/null; then
  echo "test: moto is not installed for python3 (python3 -c 'import moto.server' fails)." >&2
  echo "      The AWS tests need it: pip install 'moto[server]==5.2.1' on a machine that reaches PyPI." >&2
  exit 1
fi
echo "== lint (biome)"
npx biome check .
echo "== typecheck (tsc)"
npx tsc --noEmit
echo "== tests (vitest)"
npx vitest run "$@"
