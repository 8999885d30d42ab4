# shellcheck shell=bash
# The fleet-wide migration lock, one per app, environment and deployment: the first host to claim it migrates
# and marks it done or failed; every other host waits for that mark. Keyed by all three, so staging's lock
# never answers for production even when both deployments got the same id. Two backends, one contract:
#   dir      — mkdir(2) of <dir>/<app>/<env>/<deployment id> is atomic; the directory is shared by local hosts.
#   dynamodb — a conditional put (attribute_not_exists(pk)) on pk migration#<app>#<env>#<deployment id>.
#   tarmac   — the deployer picks the one host that migrates (TARMAC_MIGRATION_CLAIM, see ApplicationStart);
#              that host keeps the claim as the dir lock does, in a directory of its own (nothing shared).
# Each lock records its status, the host that holds it and when (epoch seconds): "<status> <host> <at>".

lock_key() { printf 'migration#%s#%s#%s' "$TARMAC_APP" "$TARMAC_ENV" "$TARMAC_DEPLOYMENT_ID"; }
lock_dir() { printf '%s/%s/%s/%s' "$TARMAC_LOCK_TARGET" "$TARMAC_APP" "$TARMAC_ENV" "$TARMAC_DEPLOYMENT_ID"; }

# lock_where — the lock, as an operator would find it.
lock_where() {
  case $TARMAC_LOCK_KIND in
    dir | tarmac) lock_dir ;;
    dynamodb) printf 'DynamoDB table %s, pk %s' "$TARMAC_LOCK_TARGET" "$(lock_key)" ;;
  esac
}

dynamodb() {
  local region=()
  [[ -z $TARMAC_LOCK_REGION ]] || region=(--region "$TARMAC_LOCK_REGION")
  aws dynamodb "$1" "${region[@]}" --table-name "$TARMAC_LOCK_TARGET" "${@:2}" </dev/null
}

dynamodb_key() { printf '{"pk":{"S":"%s"},"sk":{"S":"migration"}}' "$(lock_key)"; }

# lock_claim — succeeds on the one host that wins; fails (status 1) on the others.
lock_claim() {
  case $TARMAC_LOCK_KIND in
    dir | tarmac)
      mkdir -p -- "$(dirname "$(lock_dir)")"
      mkdir -- "$(lock_dir)" 2>/dev/null || return 1
      lock_mark running
      ;;
    dynamodb)
      local item err
      item=$(printf '{"pk":{"S":"%s"},"sk":{"S":"migration"},"status":{"S":"running"},"host":{"S":"%s"},"at":{"N":"%s"}}' \
        "$(lock_key)" "$(hostname)" "$(date +%s)")
      if err=$(dynamodb put-item --item "$item" --condition-expression 'attribute_not_exists(pk)' 2>&1 >/dev/null); then
        return 0
      fi
      [[ $err == *ConditionalCheckFailed* ]] && return 1
      die "cannot claim the migration lock in DynamoDB table $TARMAC_LOCK_TARGET: $err"
      ;;
    *) die "unknown migration lock kind '$TARMAC_LOCK_KIND'" ;;
  esac
}

# lock_mark running|done|failed — also records this host as the holder, and when.
lock_mark() {
  case $TARMAC_LOCK_KIND in
    dir | tarmac)
      printf '%s %s %s\n' "$1" "$(hostname)" "$(date +%s)" >"$(lock_dir)/.status.$$"
      mv -fT -- "$(lock_dir)/.status.$$" "$(lock_dir)/status"
      ;;
    dynamodb)
      dynamodb update-item --key "$(dynamodb_key)" --update-expression 'SET #s = :s, #h = :h, #a = :a' \
        --expression-attribute-names '{"#s":"status","#h":"host","#a":"at"}' \
        --expression-attribute-values "{\":s\":{\"S\":\"$1\"},\":h\":{\"S\":\"$(hostname)\"},\":a\":{\"N\":\"$(date +%s)\"}}" >/dev/null
      ;;
  esac
}

# lock_info — "<status> <host> <at>" of the lock; nothing when there is none.
lock_info() {
  case $TARMAC_LOCK_KIND in
    dir | tarmac) if [[ -f $(lock_dir)/status ]]; then cat -- "$(lock_dir)/status"; fi ;;
    dynamodb)
      dynamodb get-item --consistent-read --key "$(dynamodb_key)" \
        --query '[Item.status.S, Item.host.S, Item.at.N]' --output text | sed 's/\bNone\b//g'
      ;;
  esac
}

lock_status() {
  local status _rest
  read -r status _rest < <(lock_info || true) || true
  printf '%s' "$status"
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
    ((SECONDS < deadline)) || die "the migration of deployment $TARMAC_DEPLOYMENT_ID did not finish within ${TARMAC_MIGRATE_WAIT}s (status: ${status:-none}; lock: $(lock_where))"
    sleep 2
  done
}
