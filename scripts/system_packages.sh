#!/usr/bin/env bash
# Debian packages the portal needs: HarfBuzz subsetting for fast PDFs, PostgreSQL for the
# test suite, Chromium for browser tests, poppler for PDF previews, Redis for the production
# profile (make prod, its test and the load test). Installed when missing.
set -euo pipefail
wanted=(libharfbuzz-subset0 postgresql chromium fonts-dejavu-core redis-server)
missing=()
for package in "${wanted[@]}"; do
  dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if [ ${#missing[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" -ne 0 ]; then
  echo "Let op: ontbrekende Debian-pakketten (${missing[*]}); installeer ze als root." >&2
  exit 0
fi
echo "Debian-pakketten installeren: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# Another apt or dpkg (unattended-upgrades, a colleague's install) may hold the package lock:
# apt waits up to LOCK_WAIT seconds for it instead of failing at once.
LOCK_WAIT=${APT_LOCK_WAIT:-300}
if pgrep -x 'apt|apt-get|dpkg|unattended-upgr|aptd' >/dev/null 2>&1; then
  echo "Een ander apt/dpkg-proces is bezig; wachten tot het pakketbeheer vrij is" \
       "(hoogstens ${LOCK_WAIT} s)…"
fi
apt_get() { apt-get -o DPkg::Lock::Timeout="$LOCK_WAIT" "$@"; }
if ! apt_get update -qq || ! apt_get install -y -qq "${missing[@]}" >/dev/null; then
  echo "Let op: Debian-pakketten niet geïnstalleerd (${missing[*]}): het pakketbeheer bleef" \
       "bezet of apt-get faalde. Installeer ze later als root:" \
       "apt-get install ${missing[*]}" >&2
  exit 0
fi
