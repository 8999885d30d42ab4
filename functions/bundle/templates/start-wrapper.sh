# Usage: tarmac-start [--release-dir DIR | --slot blue|green] start | eval EXPR | <any bin/<release> command>
# Run by systemd (ExecStart) and by ApplicationStart's migration (systemd-run). Turns each credential in
# $CREDENTIALS_DIRECTORY into an environment variable just before exec, so secrets live only in this
# process's environment: any name → its name upper-cased. The Erlang cookie is the exception (see below).

release_dir=""
if [[ ${1:-} == --release-dir ]]; then
  release_dir=$2
  shift 2
elif [[ ${1:-} == --slot ]]; then
  # A slot runs the release its link points at, resolved once at start: a later switch of the link (the
  # next deploy) does not move a running VM.
  [[ $2 == blue || $2 == green ]] || { echo "tarmac-start: unknown slot '$2' (blue or green)" >&2; exit 2; }
  release_dir=$(readlink -f -- "$TARMAC_ROOT/slots/$2")
  shift 2
fi
[[ -n $release_dir ]] || release_dir=$(readlink -f -- "$TARMAC_ROOT/current")
[[ $# -gt 0 ]] || set -- start

# The Erlang cookie never goes on a command line. bin/<release> passes `--cookie "$RELEASE_COOKIE"` to the VM
# as `-setcookie <value>`, which ps and the journal's _CMDLINE show. So the cookie goes into
# $HOME/.erlang.cookie (the service user's, mode 0400; HOME is the unit's StateDirectory) and RELEASE_COOKIE is
# a flag: `-setcookie -tarmac_cookie_file` gives -setcookie no value, and OTP's auth then reads the cookie
# file (only exactly one -setcookie value sets the cookie). `remote`, `rpc` and `eval` go through the same
# script and read the same file.
COOKIE_FLAG=-tarmac_cookie_file
[[ -z ${STATE_DIRECTORY:-} ]] || export HOME=$STATE_DIRECTORY

install_cookie() {
  local tmp
  tmp=$(umask 077 && mktemp "$HOME/.erlang.cookie.XXXXXX")
  printf '%s' "$(<"$1")" >"$tmp"
  chmod 0400 "$tmp"
  mv -f -- "$tmp" "$HOME/.erlang.cookie"
}

if [[ -n ${CREDENTIALS_DIRECTORY:-} ]]; then
  for file in "$CREDENTIALS_DIRECTORY"/*; do
    [[ -f $file ]] || continue
    name=${file##*/}
    if [[ $name == erlang_cookie ]]; then
      install_cookie "$file"
      continue
    fi
    var=${name^^}
    if [[ ! $var =~ ^[A-Z_][A-Z0-9_]*$ ]]; then
      echo "tarmac-start: credential '$name' cannot be an environment variable name — skipped" >&2
      continue
    fi
    export "$var=$(<"$file")"
  done
fi
if [[ -n ${HOME:-} && -f $HOME/.erlang.cookie ]]; then export RELEASE_COOKIE=$COOKIE_FLAG; fi

exec "$release_dir/bin/$TARMAC_RELEASE_NAME" "$@"
