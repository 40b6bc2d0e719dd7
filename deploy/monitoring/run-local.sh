#!/usr/bin/env bash
# Runs Prometheus and Alertmanager (Debian's packages, installed by eng/common.sh) against the services of
# this machine, with their data in .data/monitoring. Slack: export SLACK_WEBHOOK_URL first; the URL is
# written to a file only this user can read and Alertmanager reads it from there (alertmanager.yml).
# Usage: deploy/monitoring/run-local.sh   (Ctrl+C stops both)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
data="$(cd "$here/../.." && pwd)/.data/monitoring"
mkdir -p "$data/prometheus" "$data/alertmanager" "$data/secrets"
chmod 700 "$data/secrets"

secret="$data/secrets/slack-webhook-url"
if [ -n "${SLACK_WEBHOOK_URL:-}" ]; then
  (umask 077 && printf '%s' "$SLACK_WEBHOOK_URL" >"$secret")
else
  echo "SLACK_WEBHOOK_URL is not set: alerts are evaluated and shown in Alertmanager but not sent to Slack." >&2
  : >"$secret"
fi
# The checked-in config reads the secret from the deployment's path; locally it is under .data.
sed "s#/etc/alertmanager/secrets/slack-webhook-url#$secret#" "$here/alertmanager.yml" >"$data/alertmanager.yml"

"$here/discover-targets.sh"

pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true; wait' EXIT INT TERM
prometheus --config.file="$here/prometheus.yml" --storage.tsdb.path="$data/prometheus" \
  --web.listen-address=127.0.0.1:9090 --web.enable-lifecycle &
pids+=($!)
/usr/bin/prometheus-alertmanager --config.file="$data/alertmanager.yml" --storage.path="$data/alertmanager" \
  --web.listen-address=127.0.0.1:9093 --cluster.listen-address= &
pids+=($!)
echo "Prometheus: http://127.0.0.1:9090   Alertmanager: http://127.0.0.1:9093"
wait
