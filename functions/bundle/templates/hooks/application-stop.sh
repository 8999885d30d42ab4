#!/bin/bash
# ApplicationStop — runs from the host's LAST SUCCESSFUL revision (possibly an older or failed one), never on
# the first deployment. So it assumes nothing about what is installed: stop the unit if it runs, else succeed.
# The stop is queued, not waited for (see below); ApplicationStart waits for it.
set -euo pipefail
TARMAC_EVENT=ApplicationStop
# shellcheck source=SCRIPTDIR/../tarmac/lib.sh
. "$(dirname "$0")/../tarmac/lib.sh"

# A bundle from before slots existed has no TARMAC_SLOTS: it ran one unit.
if [[ ${TARMAC_SLOTS:-off} == on ]]; then
  log "slots: the active slot keeps serving until ValidateService switches nginx to the new one"
elif systemctl is-active --quiet "$TARMAC_UNIT"; then
  # Graceful as ever (SIGTERM, the VM shuts down, SIGKILL only past TimeoutStopSec), but not waited for here:
  # the VM shuts down while BeforeInstall and AfterInstall run, and ApplicationStart waits until it has
  # stopped before it migrates or switches anything.
  run systemctl stop --no-block "$TARMAC_UNIT"
  log "stopping $TARMAC_UNIT (ApplicationStart waits until it has stopped)"
else
  log "$TARMAC_UNIT is not running — nothing to stop"
fi
