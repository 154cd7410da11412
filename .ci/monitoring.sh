#!/usr/bin/env bash
# Monitoring checks (issue 7): Prometheus config and rules, promtool rule unit tests, Alertmanager config.
# Installs Debian's prometheus and prometheus-alertmanager packages when promtool/amtool are missing
# (CI runs as root). Usage: bash .ci/monitoring.sh
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v promtool >/dev/null || ! command -v amtool >/dev/null; then
  echo "installing promtool and amtool from Debian's packages"
  if [ "$(id -u)" -ne 0 ]; then
    echo "monitoring.sh: promtool/amtool missing and not root; install prometheus and prometheus-alertmanager" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update
  # The packages' postinst starts the daemons where an init system runs; no init runs in CI containers.
  apt-get install -y --no-install-recommends prometheus prometheus-alertmanager prometheus-node-exporter
fi
promtool --version | head -n 1
amtool --version 2>&1 | head -n 1

echo "-- promtool check config"
promtool check config deploy/prometheus/prometheus.yml

echo "-- promtool check rules"
promtool check rules deploy/prometheus/rules/*.yml

echo "-- promtool test rules"
promtool test rules deploy/prometheus/tests/*.yml

echo "-- promtool check rules on every dashboard panel query (Grafana variables substituted)"
rendered_panels=$(mktemp -d)
npx --no-install tsx packages/observability/src/deploy/promql.ts panel-rules >"$rendered_panels/panels.yml"
promtool check rules "$rendered_panels/panels.yml"
rm -rf "$rendered_panels"

echo "-- amtool check-config (template rendered with a placeholder webhook URL)"
rendered=$(mktemp -d)
trap 'rm -rf "$rendered"' EXIT
ALERTMANAGER_WEBHOOK_URL=http://127.0.0.1:9/alerts \
  sh deploy/alertmanager/render.sh deploy/alertmanager/alertmanager.yml.tmpl "$rendered/alertmanager.yml"
amtool check-config "$rendered/alertmanager.yml"
# The renderer must refuse to run without the variable (no silent empty webhook).
if env -u ALERTMANAGER_WEBHOOK_URL sh deploy/alertmanager/render.sh \
  deploy/alertmanager/alertmanager.yml.tmpl "$rendered/unset.yml" 2>/dev/null; then
  echo "monitoring.sh: render.sh accepted a missing ALERTMANAGER_WEBHOOK_URL" >&2
  exit 1
fi

echo "monitoring checks passed"
