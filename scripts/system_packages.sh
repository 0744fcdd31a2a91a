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
apt-get update -qq
apt-get install -y -qq "${missing[@]}" >/dev/null
