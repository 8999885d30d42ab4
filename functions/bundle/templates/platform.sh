# shellcheck shell=bash
# What this host offers a release, and whether it can run the one this bundle installs (issue #14 item 8).
# host_platform is what local hosts report to tarmac before a deploy is planned; check_platform is BeforeInstall's
# early failure on hosts tarmac could not ask (AWS fleets without a declared platform), before anything is unpacked.

# @HOST_PLATFORM_PROBE@ (replaced by host_platform from core/platform-probe.ts when the bundle is rendered)

# version_at_least HAVE NEED — true when dotted version HAVE ≥ NEED.
version_at_least() {
  [[ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n1)" == "$2" ]]
}

# normal_arch UNAME_M — uname -m spellings as the ELF machine names them (i686 → x86, armv7l → arm).
normal_arch() {
  case $1 in
    i[3-6]86) echo x86 ;;
    armv*) echo arm ;;
    arm64) echo aarch64 ;;
    amd64) echo x86_64 ;;
    *) echo "$1" ;;
  esac
}

# check_platform — compare TARMAC_NEEDS_* (tarmac/needs.env) with this host; die naming both when it cannot run.
# shellcheck disable=SC2153 # TARMAC_NEEDS_* are set by tarmac/needs.env, which BeforeInstall sources first.
check_platform() {
  local report arch libc glibc otp reasons=() need
  report=$(host_platform)
  arch=$(sed -n 's/^arch=//p' <<<"$report")
  libc=$(sed -n 's/^libc=//p' <<<"$report")
  glibc=$(sed -n 's/^glibc=//p' <<<"$report")
  otp=$(sed -n 's/^otp=//p' <<<"$report")
  for need in $TARMAC_NEEDS_ARCHITECTURES; do
    [[ $need == "$(normal_arch "$arch")" ]] || reasons+=("architecture $need ≠ $arch")
  done
  [[ $TARMAC_NEEDS_LIBC != musl || $libc != glibc ]] || reasons+=("musl libc, the host has glibc")
  [[ $TARMAC_NEEDS_LIBC != glibc || $libc != musl ]] || reasons+=("glibc, the host has musl libc")
  if [[ -n $TARMAC_NEEDS_GLIBC && $libc == glibc ]] && ! version_at_least "$glibc" "$TARMAC_NEEDS_GLIBC"; then
    reasons+=("glibc ≥ $TARMAC_NEEDS_GLIBC, the host has $glibc")
  fi
  if [[ -n $TARMAC_NEEDS_OTP && $otp != "$TARMAC_NEEDS_OTP" ]]; then
    reasons+=("OTP $TARMAC_NEEDS_OTP (no ERTS included), the host has ${otp:+OTP }${otp:-no Erlang/OTP}")
  fi
  if ((${#reasons[@]})); then
    die "this host cannot run release $TARMAC_RELEASE_ID — it needs $TARMAC_NEEDS_DESCRIPTION; this host has $arch, ${libc:-unknown libc} ${glibc}${otp:+, OTP $otp}: $(IFS=';'; echo "${reasons[*]}")"
  fi
  log "platform ok: the release needs ${TARMAC_NEEDS_DESCRIPTION:-nothing recorded}; this host has $arch, ${libc:-unknown libc} ${glibc}${otp:+, OTP $otp}"
}
