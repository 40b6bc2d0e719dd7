#!/usr/bin/env bash
# Starts the whole system through the Aspire AppHost: set-up if needed, then every service with real
# Redis, RabbitMQ and PostgreSQL (containers where a container runtime answers, local processes
# otherwise). Prints the dashboard login URL and the web console URL. Ctrl+C stops everything.
#
#   eng/run.sh            start (data kept in .data/ between runs)
#   eng/run.sh --wipe     delete the local Redis/RabbitMQ/PostgreSQL data first
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$repo_root"

apphost_args=()
for arg in "$@"; do
  case "$arg" in
    --wipe) apphost_args+=("--Infrastructure:Wipe=true") ;;
    -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
    *) apphost_args+=("$arg") ;;
  esac
done

setup

say "Building"
dotnet build GmailAutomation.AppHost --no-restore -nologo -v quiet -clp:ErrorsOnly

gateway_url="http://localhost:${GATEWAY_PORT:-8080}"
say "Starting the AppHost (Ctrl+C stops every service and server)"
# The AppHost's own output goes through; the dashboard's login line also gets a banner.
dotnet run --project GmailAutomation.AppHost --no-build --launch-profile http -- "${apphost_args[@]}" 2>&1 |
  { shown=0
  while IFS= read -r line; do
    printf '%s\n' "$line"
    case "$shown:$line" in
      0:*"/login?t="*)
        shown=1
        dashboard=$(printf '%s' "$line" | grep -o 'http[^ ]*/login?t=[^ ]*' || true)
        printf '\n\033[1m  Dashboard:    %s\n  Web console:  %s   (status: %s/api/status)\033[0m\n\n' \
          "$dashboard" "$gateway_url" "$gateway_url"
        ;;
    esac
  done; }
