# Shared by eng/run.sh and eng/test.sh: installs what is missing, idempotently.
# shellcheck shell=bash

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# Debian's redis-server, rabbitmq-server and postgresql: the AppHost runs them as local processes
# (with its own ports, users and data folder) when no container runtime is available. Debian's prometheus
# and prometheus-alertmanager bring promtool and amtool for the monitoring tests; their services stay off.
ensure_system_packages() {
  local missing=()
  command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
  [ -x /usr/lib/rabbitmq/bin/rabbitmq-server ] || missing+=(rabbitmq-server)
  [ -x /usr/lib/postgresql/15/bin/postgres ] || missing+=(postgresql)
  # promtool and amtool validate deploy/monitoring (alert rules, scrape and Alertmanager config) in tests.
  command -v promtool >/dev/null 2>&1 || missing+=(prometheus)
  command -v amtool >/dev/null 2>&1 || missing+=(prometheus-alertmanager)
  # The web console's browser tests drive Debian's Chromium (Playwright downloads no browser here).
  [ -x /usr/bin/chromium ] || missing+=(chromium)
  if [ "${#missing[@]}" -eq 0 ]; then
    return 0
  fi

  say "Installing ${missing[*]} (Debian packages)"
  # Keep the packages' own system services from starting: we run our own instances.
  local policy=/usr/sbin/policy-rc.d created_policy=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | as_root tee "$policy" >/dev/null
    as_root chmod +x "$policy"
    created_policy=1
  fi
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  if [ "$created_policy" -eq 1 ]; then as_root rm -f "$policy"; fi
}

ensure_dotnet_packages() {
  say "Restoring NuGet packages and local tools"
  (cd "$repo_root" && dotnet tool restore >/dev/null && dotnet restore GmailAutomation.sln --verbosity quiet)
}

setup() {
  command -v dotnet >/dev/null 2>&1 || { echo "The .NET 10 SDK is required (dotnet not found on PATH)." >&2; exit 1; }
  ensure_system_packages
  ensure_dotnet_packages
}
