#!/usr/bin/env bash
# Writes targets/local.yml for Prometheus: the /metrics address of every GmailAutomation service running on
# this machine (eng/run.sh gives them new ports on every start). Prometheus re-reads the file within 30 s.
# Usage: deploy/monitoring/discover-targets.sh   (run it again after restarting the system)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="$here/targets/local.yml"

declare -A names=(
  [ApiGateway]=api-gateway [AuthService]=auth-service [EmailService]=email-service
  [ClassificationService]=classification-service [ResponseService]=response-service
  [DraftService]=draft-service [GmailEmulator]=gmail-emulator
)

tmp="$(mktemp)"
echo "# Written by discover-targets.sh at $(date -u +%FT%TZ); not checked in." >"$tmp"
found=0
declare -A seen=()
# Listening TCP sockets with their process: users:(("GmailAutomatio",pid=123,fd=45))
while read -r local pid; do
  port="${local##*:}"
  [ -z "${seen[$port]:-}" ] || continue
  project="$(tr '\0' '\n' 2>/dev/null <"/proc/$pid/cmdline" | grep -o 'GmailAutomation\.[A-Za-z]*' | head -n1 || true)"
  key="${project#GmailAutomation.}"
  [ -n "$key" ] || continue
  service="${names[$key]:-}"
  [ -n "$service" ] || continue
  # A service listens on http and https; keep the port that serves /metrics over plain http.
  curl -fsS -m 2 -o /dev/null "http://127.0.0.1:$port/metrics" 2>/dev/null || continue
  seen[$port]=1
  printf -- '- targets: ["127.0.0.1:%s"]\n  labels: { service: %s }\n' "$port" "$service" >>"$tmp"
  found=$((found + 1))
done < <(ss -Hltnp 2>/dev/null | awk '{ if (match($0, /pid=[0-9]+/)) print $4, substr($0, RSTART + 4, RLENGTH - 4) }' | sort -u)

mv "$tmp" "$out"
echo "$found service endpoint(s) written to $out"
