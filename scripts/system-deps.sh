#!/usr/bin/env bash
# Install the Debian packages Jianguan needs, only those missing (apt-get update at most once).
#   scripts/system-deps.sh runtime   fonts for PDFs, gettext for the translations
#   scripts/system-deps.sh test      the above, plus Chromium for the browser tests
set -euo pipefail
packages=(fonts-noto-cjk gettext)
if [ "${1:-runtime}" = "test" ]; then
  packages+=(chromium)
fi
missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "missing Debian packages: ${missing[*]} — run: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
