# Usage: tarmac-start [--release-dir DIR] start | eval EXPR | <any bin/<release> command>
# Run by systemd (ExecStart) and by ApplicationStart's migration (systemd-run). Turns each credential in
# $CREDENTIALS_DIRECTORY into an environment variable just before exec, so secrets live only in this
# process's environment: erlang_cookie → RELEASE_COOKIE, any other name → its name upper-cased.

release_dir=""
if [[ ${1:-} == --release-dir ]]; then
  release_dir=$2
  shift 2
fi
[[ -n $release_dir ]] || release_dir=$(readlink -f -- "$TARMAC_ROOT/current")
[[ $# -gt 0 ]] || set -- start

if [[ -n ${CREDENTIALS_DIRECTORY:-} ]]; then
  for file in "$CREDENTIALS_DIRECTORY"/*; do
    [[ -f $file ]] || continue
    name=${file##*/}
    case $name in
      erlang_cookie) var=RELEASE_COOKIE ;;
      *) var=${name^^} ;;
    esac
    if [[ ! $var =~ ^[A-Z_][A-Z0-9_]*$ ]]; then
      echo "tarmac-start: credential '$name' cannot be an environment variable name — skipped" >&2
      continue
    fi
    export "$var=$(<"$file")"
  done
fi

exec "$release_dir/bin/$TARMAC_RELEASE_NAME" "$@"
