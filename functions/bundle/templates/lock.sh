# shellcheck shell=bash
# The fleet-wide migration lock, one per deployment: the first host to claim <lock>/<deployment id> migrates
# and marks it done or failed; every other host waits for that mark. Two backends with the same contract:
#   dir      — mkdir(2) is atomic; the directory is shared by every local host.
#   dynamodb — a conditional put (attribute_not_exists(pk)) on pk migration#<deployment id>.

lock_key() { printf 'migration#%s' "$TARMAC_DEPLOYMENT_ID"; }

dynamodb() {
  local region=()
  [[ -z $TARMAC_LOCK_REGION ]] || region=(--region "$TARMAC_LOCK_REGION")
  aws dynamodb "$1" "${region[@]}" --table-name "$TARMAC_LOCK_TARGET" "${@:2}" </dev/null
}

dynamodb_key() { printf '{"pk":{"S":"%s"},"sk":{"S":"migration"}}' "$(lock_key)"; }

# lock_claim — succeeds on the one host that wins; fails (status 1) on the others.
lock_claim() {
  case $TARMAC_LOCK_KIND in
    dir)
      mkdir -p -- "$TARMAC_LOCK_TARGET"
      mkdir -- "$TARMAC_LOCK_TARGET/$TARMAC_DEPLOYMENT_ID" 2>/dev/null || return 1
      lock_mark running
      ;;
    dynamodb)
      local item err
      item=$(printf '{"pk":{"S":"%s"},"sk":{"S":"migration"},"status":{"S":"running"},"host":{"S":"%s"}}' \
        "$(lock_key)" "$(hostname)")
      if err=$(dynamodb put-item --item "$item" --condition-expression 'attribute_not_exists(pk)' 2>&1 >/dev/null); then
        return 0
      fi
      [[ $err == *ConditionalCheckFailed* ]] && return 1
      die "cannot claim the migration lock in DynamoDB table $TARMAC_LOCK_TARGET: $err"
      ;;
    *) die "unknown migration lock kind '$TARMAC_LOCK_KIND'" ;;
  esac
}

# lock_mark running|done|failed
lock_mark() {
  case $TARMAC_LOCK_KIND in
    dir)
      printf '%s %s\n' "$1" "$(hostname)" >"$TARMAC_LOCK_TARGET/$TARMAC_DEPLOYMENT_ID/.status.$$"
      mv -fT -- "$TARMAC_LOCK_TARGET/$TARMAC_DEPLOYMENT_ID/.status.$$" "$TARMAC_LOCK_TARGET/$TARMAC_DEPLOYMENT_ID/status"
      ;;
    dynamodb)
      dynamodb update-item --key "$(dynamodb_key)" --update-expression 'SET #s = :s' \
        --expression-attribute-names '{"#s":"status"}' \
        --expression-attribute-values "{\":s\":{\"S\":\"$1\"}}" >/dev/null
      ;;
  esac
}

lock_status() {
  case $TARMAC_LOCK_KIND in
    dir) if [[ -f $TARMAC_LOCK_TARGET/$TARMAC_DEPLOYMENT_ID/status ]]; then
      cut -d' ' -f1 "$TARMAC_LOCK_TARGET/$TARMAC_DEPLOYMENT_ID/status"
    fi ;;
    dynamodb) dynamodb get-item --consistent-read --key "$(dynamodb_key)" --query 'Item.status.S' --output text ;;
  esac
}

# lock_wait — until the winner marks done; fails when it marks failed or after TARMAC_MIGRATE_WAIT seconds.
lock_wait() {
  local deadline=$((SECONDS + TARMAC_MIGRATE_WAIT)) status
  while :; do
    status=$(lock_status || true)
    case $status in
      done) log "the migration is done"; return 0 ;;
      failed) die "the migration of deployment $TARMAC_DEPLOYMENT_ID failed on another host" ;;
    esac
    ((SECONDS < deadline)) || die "the migration of deployment $TARMAC_DEPLOYMENT_ID did not finish within ${TARMAC_MIGRATE_WAIT}s (status: ${status:-none})"
    sleep 2
  done
}
