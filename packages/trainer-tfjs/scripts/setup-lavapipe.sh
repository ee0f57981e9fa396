#!/usr/bin/env bash
# Fetches Mesa's lavapipe (Vulkan on the CPU), version >= 23, and unpacks it into
# packages/trainer-tfjs/.cache/lavapipe without installing anything system-wide. Dawn (npm `webgpu`)
# refuses older Mesa: Debian 12 ships 22.3, so on bookworm the driver comes from bookworm-backports.
# The WebGPU tests use it when present (see src/backend/lavapipe.ts), so CI checks the same code a
# GPU node runs. Idempotent: a second run with everything in place does nothing.
#
#   packages/trainer-tfjs/scripts/setup-lavapipe.sh      # then: npx vitest run packages/trainer-tfjs/src/backend
#
# Needs Debian (apt-get, dpkg-deb) and the Debian mirror. Environment (all optional):
#   LAVAPIPE_DIR    where to unpack (default packages/trainer-tfjs/.cache/lavapipe)
#   DEBIAN_MIRROR   default http://deb.debian.org/debian
set -euo pipefail

package_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dest="${LAVAPIPE_DIR:-$package_dir/.cache/lavapipe}"
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
icd="$dest/lvp_icd.json"

log() { echo "setup-lavapipe: $*" >&2; }

if [[ -f "$icd" ]] && lib="$(sed -n 's/.*"library_path": *"\([^"]*\)".*/\1/p' "$icd")" && [[ -f "$lib" ]]; then
  log "ready: $icd"
  exit 0
fi

for tool in apt-get apt-cache dpkg-deb dpkg-query; do
  command -v "$tool" >/dev/null || { log "needs Debian's $tool; install Mesa >= 23 lavapipe another way"; exit 1; }
done

# shellcheck disable=SC1091
codename="$(. /etc/os-release && echo "${VERSION_CODENAME:-}")"
case "$codename" in
  bookworm) suites=(bookworm bookworm-updates bookworm-backports); target="bookworm-backports" ;;
  "") log "cannot tell the Debian release from /etc/os-release"; exit 1 ;;
  *) suites=("$codename"); target="$codename" ;; # trixie and later ship Mesa >= 24
esac

# A private apt state: its own source list and package lists, nothing under /etc or /var touched.
apt_dir="$dest/apt"
mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$dest/debs" "$dest/root" "$dest/shader-cache"
: >"$apt_dir/sources.list"
for suite in "${suites[@]}"; do echo "deb $mirror $suite main" >>"$apt_dir/sources.list"; done
apt_opts=(
  -o "Dir::Etc::SourceList=$apt_dir/sources.list" -o Dir::Etc::SourceParts=/dev/null
  -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache" -o Debug::NoLocking=1
  -o APT::Sandbox::User=root
)
log "updating a private package list ($target)"
apt-get "${apt_opts[@]}" -qq update

# "name/target" when the target suite has the package (backports carries only some), else plain "name",
# which apt takes from the newest suite in the private list that has it.
from_target() {
  if apt-cache "${apt_opts[@]}" madison "$1" 2>/dev/null | grep -q " $target/main "; then echo "$1/$target"; else echo "$1"; fi
}

# Download the driver, plus each dependency the system lacks or has too old (e.g. libdrm on bookworm).
wanted=("mesa-vulkan-drivers/$target")
depends="$(apt-cache "${apt_opts[@]}" show "mesa-vulkan-drivers/$target" | sed -n 's/^Depends: //p' | head -1)"
IFS=',' read -ra items <<<"$depends"
for item in "${items[@]}"; do
  item="${item%%|*}"                       # first alternative
  name="$(awk '{print $1}' <<<"$item")"; name="${name%%:*}"
  constraint="$(sed -n 's/.*(\(.*\)).*/\1/p' <<<"$item")"
  installed="$(dpkg-query -W -f='${Status} ${Version}' "$name" 2>/dev/null | sed -n 's/^install ok installed //p' || true)"
  if [[ -z "$installed" ]]; then
    wanted+=("$(from_target "$name")")
  elif [[ -n "$constraint" ]] && ! dpkg --compare-versions "$installed" "${constraint%% *}" "${constraint#* }"; then
    wanted+=("$(from_target "$name")")
  fi
done
[[ -n "$(dpkg-query -W -f='${Status}' libvulkan1 2>/dev/null | grep 'install ok installed' || true)" ]] || wanted+=("$(from_target libvulkan1)")

log "downloading ${wanted[*]}"
(cd "$dest/debs" && apt-get "${apt_opts[@]}" -qq download "${wanted[@]}")
for deb in "$dest"/debs/*.deb; do dpkg-deb -x "$deb" "$dest/root"; done

lib="$(find "$dest/root" -name libvulkan_lvp.so -print -quit)"
[[ -n "$lib" ]] || { log "libvulkan_lvp.so not found in the unpacked packages"; exit 1; }
api="$(sed -n 's/.*"api_version": *"\([^"]*\)".*/\1/p' "$(find "$dest/root" -name 'lvp_icd*.json' -print -quit)")"
cat >"$icd" <<EOF
{
    "ICD": {
        "api_version": "${api:-1.3.0}",
        "library_path": "$lib"
    },
    "file_format_version": "1.0.0"
}
EOF
log "ready: $icd (set VK_ICD_FILENAMES=$icd, LD_LIBRARY_PATH=$(dirname "$lib"), MESA_SHADER_CACHE_DIR=$dest/shader-cache)"
