#!/usr/bin/env bash
# End-to-end benchmark and chaos runs against the whole system (AppHost with local Redis, RabbitMQ and
# PostgreSQL processes in a private temporary data folder; the Gmail emulator; the offline reply provider).
# Prints a table and writes artifacts/e2e/<command>-<time>.json (+ .md) and every service's console log.
#
#   eng/e2e.sh latency --rate 20,200 --accounts 50 --seconds 60
#   eng/e2e.sh throughput | initial-sync | chaos | backing | faults | replicas | all
#   eng/e2e.sh help       every command and its options
#
# The exit code is 0 only when every end-state check (and the security scan) passed. docs/performance.md has
# the method and the latest figures.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$repo_root"

case "${1:-}" in
  -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
esac

setup

say "Building (Release)"
dotnet build tests/GmailAutomation.EndToEnd.Benchmarks -c Release --no-restore -nologo -v quiet -clp:ErrorsOnly

say "Running: $*"
exec dotnet tests/GmailAutomation.EndToEnd.Benchmarks/bin/Release/net10.0/GmailAutomation.EndToEnd.Benchmarks.dll "$@"
