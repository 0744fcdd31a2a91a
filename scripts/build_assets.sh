#!/usr/bin/env bash
# NL Design System CSS from npm (no CDN): the Utrecht component library (EUPL) with the
# NL Design System "voorbeeld" theme tokens (EUPL), concatenated into one local file.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=leerhuis/static/vendor
if ! command -v npm >/dev/null 2>&1; then
  echo "WAARSCHUWING: npm ontbreekt; de pagina's werken, maar zonder NL Design System-stijl." >&2
  mkdir -p "$OUT"; : > "$OUT/leerhuis-vendor.css"; exit 0
fi
if [ ! -d node_modules/@utrecht/component-library-css ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --silent
fi
mkdir -p "$OUT"
{
  cat node_modules/@nl-design-system-unstable/voorbeeld-design-tokens/dist/theme.css
  cat node_modules/@utrecht/component-library-css/dist/html.css
  cat node_modules/@utrecht/component-library-css/dist/index.css
} > "$OUT/leerhuis-vendor.css.tmp"
mv "$OUT/leerhuis-vendor.css.tmp" "$OUT/leerhuis-vendor.css"
