#!/usr/bin/env bash
# Runs the full test suite: set-up if needed, build, every test project (unit, service, emulator,
# event bus against real RabbitMQ, and the whole AppHost with local Redis/RabbitMQ/PostgreSQL),
# then line coverage of the product code, which must be at least $COVERAGE_MIN percent.
#
#   eng/test.sh                 everything
#   eng/test.sh --filter X      only tests matching the dotnet test filter X (no coverage gate)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$repo_root"

filter=""
while [ $# -gt 0 ]; do
  case "$1" in
    --filter) filter="$2"; shift 2 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done

COVERAGE_MIN="${COVERAGE_MIN:-80}"
results="$repo_root/artifacts/test-results"
started=$(date +%s)

setup

say "Building"
dotnet build GmailAutomation.sln --no-restore -c Debug -nologo -v quiet -clp:ErrorsOnly

rm -rf "$results"
mkdir -p "$results"
failed_projects=()
mapfile -t projects < <(find tests -name '*Tests.csproj' | sort)
for project in "${projects[@]}"; do
  name="$(basename "$project" .csproj)"
  say "Testing $name"
  args=(test "$project" --no-build -nologo --results-directory "$results/$name"
        --logger "trx;LogFileName=$name.trx" --logger "console;verbosity=minimal"
        --collect "XPlat Code Coverage" --settings eng/coverage.runsettings)
  [ -n "$filter" ] && args+=(--filter "$filter")
  if ! dotnet "${args[@]}"; then
    failed_projects+=("$name")
  fi
done

# Test servers are killed by the fixtures; a crashed test host can leave one behind, orphaned.
# Only orphans are stopped, so servers of test runs still going elsewhere on the machine are left alone.
for pid in $(pgrep -f 'gmail-automation-(postgres|redis|rabbitmq)' || true); do
  [ "$(ps -o ppid= -p "$pid" 2>/dev/null | tr -d ' ')" = "1" ] && kill "$pid" 2>/dev/null || true
done

summary_status=0
python3 eng/test-summary.py "$results" || summary_status=$?

coverage_status=0
if [ -z "$filter" ]; then
  say "Coverage of the product code"
  dotnet tool run reportgenerator -- "-reports:$results/**/coverage.cobertura.xml" \
    "-targetdir:$repo_root/artifacts/coverage" "-reporttypes:TextSummary;Cobertura;HtmlSummary" \
    "-assemblyfilters:+GmailAutomation.*;-GmailAutomation.*.Tests;-GmailAutomation.Testing;-GmailAutomation.*.Benchmarks" \
    -verbosity:Warning >/dev/null
  line=$(grep -m1 'Line coverage' artifacts/coverage/Summary.txt | awk '{print $3}' | tr -d '%')
  sed -n '1,/^$/p' artifacts/coverage/Summary.txt | grep -E 'Line coverage|Covered lines|Coverable lines'
  if awk -v l="$line" -v m="$COVERAGE_MIN" 'BEGIN { exit !(l < m) }'; then
    echo "Line coverage ${line}% is below the required ${COVERAGE_MIN}%." >&2
    coverage_status=1
  else
    echo "Line coverage ${line}% (required: ${COVERAGE_MIN}%). Report: artifacts/coverage/summary.html"
  fi
fi

echo "Test suite took $(( $(date +%s) - started )) s."
if [ "${#failed_projects[@]}" -gt 0 ] || [ "$summary_status" -ne 0 ] || [ "$coverage_status" -ne 0 ]; then
  [ "${#failed_projects[@]}" -gt 0 ] && echo "Failing test projects: ${failed_projects[*]}" >&2
  exit 1
fi
