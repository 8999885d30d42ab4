#!/bin/bash
# ApplicationStop — runs from the host's LAST SUCCESSFUL revision (possibly an older or failed one), never on
# the first deployment. So it assumes nothing about what is installed: stop the unit if it runs, else succeed.
set -euo pipefail
TARMAC_EVENT=ApplicationStop
# shellcheck source=SCRIPTDIR/../tarmac/lib.sh
. "$(dirname "$0")/../tarmac/lib.sh"

# A bundle from before slots existed has no TARMAC_SLOTS: it ran one unit.
if [[ ${TARMAC_SLOTS:-off} == on ]]; then
  log "slots: the active slot keeps serving until ValidateService switches nginx to the new one"
elif systemctl is-active --quiet "$TARMAC_UNIT"; then
  log "stopping $TARMAC_UNIT"
  run systemctl stop "$TARMAC_UNIT"
  log "stopped $TARMAC_UNIT"
else
  log "$TARMAC_UNIT is not running — nothing to stop"
fi
