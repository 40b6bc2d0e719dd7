#!/usr/bin/env bash
# Re-trains the default model shipped with the classification service from the mail corpus:
# builds the splits (eng/classify-split.sh), trains on the "default" train split, measures on its test
# split and writes services/ClassificationService/Model/default-model.{zip,json}. The hash spaces are 2^16
# (not the pipeline's 2^17) to keep the shipped file small.
# Usage: eng/classify-train.sh [CORPUS_DIR] [--set Name=Value]...
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
corpus_args=()
if [ $# -gt 0 ] && [ "${1#--}" = "$1" ]; then corpus_args=("$1"); shift; fi
"$repo_root/eng/classify-split.sh" "${corpus_args[@]}"
project="$repo_root/services/ClassificationService/GmailAutomation.ClassificationService.csproj"
dotnet build "$project" -c Release -v q -nologo >/dev/null
exec dotnet run --project "$project" -c Release --no-build --no-launch-profile -- train \
  --train "$repo_root/artifacts/classify/default/train" \
  --test "$repo_root/artifacts/classify/default/test" \
  --out "$repo_root/services/ClassificationService/Model/default-model.zip" \
  --set WordHashBits=16 --set CharHashBits=16 "$@"
