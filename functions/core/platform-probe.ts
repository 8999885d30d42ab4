/**
 * The probe a host runs to say what it offers a release: a bash function printing `key=value` lines (arch from
 * `uname -m`, libc/glibc from `getconf GNU_LIBC_VERSION`, otp from the `erl` on PATH). Local hosts run it when
 * a deployment is planned; BeforeInstall runs it in `check_platform` (bundle/templates/platform.sh), so both
 * see the same facts. {@link parsePlatformReport} reads its output. Data, not I/O: it is only text here.
 */
export const HOST_PLATFORM_PROBE = `# host_platform — one key=value per line: arch (uname -m), libc and glibc, otp (major of the erl on PATH).
host_platform() {
  local version erl root file
  printf 'arch=%s\\n' "$(uname -m)"
  if version=$(getconf GNU_LIBC_VERSION 2>/dev/null); then
    printf 'libc=glibc\\nglibc=%s\\n' "\${version#glibc }"
  elif compgen -G '/lib/ld-musl-*' >/dev/null; then
    printf 'libc=musl\\n'
  fi
  if erl=$(command -v erl 2>/dev/null); then
    root=$(dirname "$(dirname "$(readlink -f "$erl")")")
    for file in "$root"/releases/*/OTP_VERSION; do
      [[ -f $file ]] && printf 'otp=%s\\n' "$(cut -d. -f1 <"$file")" && break
    done
  fi
  return 0
}

`;
