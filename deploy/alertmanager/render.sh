#!/bin/sh
# Renders the Alertmanager template: replaces ${ALERTMANAGER_WEBHOOK_URL} with the environment variable.
# Usage: render.sh TEMPLATE OUTPUT. POSIX sh + sed, so it runs in the busybox-based prom/alertmanager
# image (compose entrypoint) and in CI. Fails, writing nothing, when the URL is missing or unsafe to
# substitute; writes to a temp file in OUTPUT's directory, then renames.
set -eu
if [ "$#" -ne 2 ]; then
  echo "usage: render.sh TEMPLATE OUTPUT" >&2
  exit 2
fi
template=$1
output=$2
url=${ALERTMANAGER_WEBHOOK_URL:-}
if [ -z "$url" ]; then
  echo "render.sh: ALERTMANAGER_WEBHOOK_URL is not set (the webhook that receives alerts, e.g. https://hooks.example.org/alerts)" >&2
  exit 1
fi
case $url in
  http://* | https://*) ;;
  *)
    echo "render.sh: ALERTMANAGER_WEBHOOK_URL must start with http:// or https://" >&2
    exit 1
    ;;
esac
# A quote would end the single-quoted YAML scalar; whitespace is never valid in a URL.
case $url in
  *"'"* | *' '* | *'	'*)
    echo "render.sh: ALERTMANAGER_WEBHOOK_URL must not contain quotes or whitespace (percent-encode them)" >&2
    exit 1
    ;;
esac
# Escape the characters that are special in a sed replacement (\ | &).
escaped=$(printf '%s\n' "$url" | sed -e 's/[\\|&]/\\&/g')
tmp="$output.tmp.$$"
trap 'rm -f "$tmp"' EXIT
sed "s|\${ALERTMANAGER_WEBHOOK_URL}|$escaped|g" "$template" >"$tmp"
if grep -q 'ALERTMANAGER_WEBHOOK_URL}' "$tmp"; then
  echo "render.sh: placeholder left in $output" >&2
  exit 1
fi
mv "$tmp" "$output"
trap - EXIT
