#!/usr/bin/env bash
# Every test tarmac has: install what is missing, lint, typecheck, then unit, contract, integration and e2e
# tests (real S3 protocol server, DynamoDB implementation, systemd hosts, OTP release, Chromium).
set -euo pipefail
cd "$(dirname "$0")/.."
export AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true

bash scripts/setup.sh
echo "== lint (biome)"
npx biome check .
echo "== typecheck (tsc)"
npx tsc --noEmit
echo "== tests (vitest)"
npx vitest run "$@"
