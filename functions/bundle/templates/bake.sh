# shellcheck shell=bash disable=SC2034  # BAKE_FAILURE is read by validate-service.sh
# The canary's bake, sourced by ValidateService. A canary deployment deploys its hosts through the
# environment's canary deployment group (CodeDeploy: `<app>-<env>.canary`; the local deployer sets the same
# DEPLOYMENT_GROUP_NAME for the canary batch). There, once the new release answers 200, ValidateService keeps
# checking it for TARMAC_BAKE_SECONDS: the unit must stay active and every health request must answer 200.
# The first failed check fails the hook, so the deployer rolls the canary back and the other hosts are never
# deployed. On AWS the bake runs inside the canary's CodeDeploy deployment, so the deployment group's
# CloudWatch alarms stop and roll it back natively during the bake too.

# canary_here — true when this run deploys the canary hosts of a canary strategy.
canary_here() {
  [[ -n $TARMAC_CANARY_GROUP && ${DEPLOYMENT_GROUP_NAME:-} == "$TARMAC_CANARY_GROUP" ]]
}

# bake URL — check URL and the unit every TARMAC_BAKE_INTERVAL seconds until TARMAC_BAKE_SECONDS have passed.
bake() {
  local url=$1 deadline=$((SECONDS + TARMAC_BAKE_SECONDS)) code checks=0
  log "canary: baking for ${TARMAC_BAKE_SECONDS}s (health every ${TARMAC_BAKE_INTERVAL}s)"
  while ((SECONDS < deadline)); do
    sleep "$TARMAC_BAKE_INTERVAL"
    checks=$((checks + 1))
    if ! systemctl is-active --quiet "$TARMAC_UNIT"; then
      BAKE_FAILURE="canary: $TARMAC_UNIT stopped running during the bake (check $checks)"
      return 1
    fi
    code=$(curl --silent --output /dev/null --write-out '%{http_code}' --max-time 5 -- "$url" || true)
    if [[ $code != 200 ]]; then
      BAKE_FAILURE="canary: $url answered ${code:-nothing} during the bake (check $checks, $((TARMAC_BAKE_SECONDS - deadline + SECONDS))s in)"
      return 1
    fi
  done
  log "canary: healthy through the bake ($checks checks) — the other hosts follow"
}
