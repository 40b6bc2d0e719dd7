#!/usr/bin/env bash
# Trains the classification service's own pipeline on one labelled folder and evaluates it on another:
# prints accuracy, per-class precision/recall/F1 and macro-F1 (JSON with --json).
# Each DIR holds one subfolder per label with RFC 822 files in it (eng/classify-split.sh builds such folders).
# Usage: eng/classify-eval.sh --train DIR --test DIR [--json] [--set Name=Value]...
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --train|--test) args+=("$1" "$(cd "$2" && pwd)"); shift 2 ;;
    *) args+=("$1"); shift ;;
  esac
done
project="$repo_root/services/ClassificationService/GmailAutomation.ClassificationService.csproj"
dotnet build "$project" -c Release -v q -nologo >/dev/null
exec dotnet run --project "$project" -c Release --no-build --no-launch-profile -- eval "${args[@]}"
