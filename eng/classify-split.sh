#!/usr/bin/env bash
# Builds the reproducible train/test splits of the mail corpus used to train and evaluate the classifier,
# as folders of symbolic links under artifacts/classify/<task>/{train,test}/<label>/:
#   spam     spamassassin spam + spam_2 → spam; easy_ham, easy_ham_2, hard_ham → ham
#   enron    Enron genre folders 1, 3, 4, 5, 6 (labels are the folder numbers)
#   default  the service's categories (mapping in services/ClassificationService/Model/MODEL.md)
# A message is in the test split when the last hex digit of its md5 (manifest.tsv, orig_md5) is 0, 1 or 2
# (3/16 ≈ 19%), so the split depends only on the messages themselves.
# Usage: eng/classify-split.sh [CORPUS_DIR] (default: $MAIL_CORPUS, ../shared/data/mail, /work/shared/data/mail)
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
corpus="${1:-${MAIL_CORPUS:-}}"
if [ -z "$corpus" ]; then
  for candidate in "$repo_root/../shared/data/mail" /work/shared/data/mail; do
    if [ -f "$candidate/manifest.tsv" ]; then corpus="$candidate"; break; fi
  done
fi
if [ -z "$corpus" ] || [ ! -f "$corpus/manifest.tsv" ]; then
  echo "error: corpus with manifest.tsv not found (pass it as the first argument or set MAIL_CORPUS)" >&2
  exit 2
fi
corpus="$(cd "$corpus" && pwd)"
out="$repo_root/artifacts/classify"
rm -rf "$out"
mkdir -p "$out"

# One line per link: task, split, label, source path (file names are unique across the corpus).
awk -F'\t' -v corpus="$corpus" '
  NR == 1 { next }
  {
    path = $1; source = $2; folder = $3; md5 = $8
    if (md5 == "") next
    split_name = index("012", substr(md5, length(md5), 1)) > 0 ? "test" : "train"
    spam = ""; enron = ""; category = ""
    if (source == "spamassassin") {
      if (folder ~ /^spam/) { spam = "spam"; category = "Spam" }
      else { spam = "ham"; category = (folder == "hard_ham") ? "Promotion" : "Newsletter" }
    } else if (source == "enron_berkeley") {
      if (folder ~ /^[13456]$/) enron = folder
      if (folder ~ /^[156]$/) category = "Work"
      else if (folder ~ /^[23]$/) category = "Personal"
      else if (folder == "4") category = "Meeting"
    }
    if (spam != "") print "spam\t" split_name "\t" spam "\t" corpus "/" path
    if (enron != "") print "enron\t" split_name "\t" enron "\t" corpus "/" path
    if (category != "") print "default\t" split_name "\t" category "\t" corpus "/" path
  }' "$corpus/manifest.tsv" > "$out/links.tsv"

# One ln per folder (thousands of single ln calls take minutes on a busy machine).
cut -f1-3 "$out/links.tsv" | sort -u | while IFS=$'\t' read -r task split label; do
  mkdir -p "$out/$task/$split/$label"
  awk -F'\t' -v t="$task" -v s="$split" -v l="$label" '$1 == t && $2 == s && $3 == l { print $4 }' "$out/links.tsv" \
    | xargs -d '\n' ln -s -t "$out/$task/$split/$label"
done

for task in spam enron default; do
  for split in train test; do
    printf '%-8s %-5s' "$task" "$split"
    for label_dir in "$out/$task/$split"/*/; do
      printf ' %s=%s' "$(basename "$label_dir")" "$(find "$label_dir" -maxdepth 1 -type l | wc -l)"
    done
    printf '\n'
  done
done
echo "splits in $out"
