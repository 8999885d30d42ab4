#!/usr/bin/env bash
# README command 1: a real local deploy on a fresh machine. Installs what is missing, builds the OTP release,
# then runs the demo (pass --keep to leave the server and hosts running).
set -euo pipefail
cd "$(dirname "$0")/.."
export AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true
bash scripts/setup.sh
bash scripts/build-fixture.sh
exec npx tsx scripts/demo.ts "$@"
