#!/usr/bin/env bash
# Fills fuzz/corpus/<target>/ with the seed inputs: every fixture and example template (the
# rewrite target reads a first byte of settings, so each seed gets one).
set -euo pipefail
cd "$(dirname "$0")"
for target in command rewrite expand; do mkdir -p "corpus/$target"; done
n=0
while IFS= read -r -d '' file; do
  n=$((n + 1))
  cp "$file" "corpus/command/seed-$n"
  { printf '\x05'; cat "$file"; } > "corpus/rewrite/seed-$n"
done < <(find ../fixtures ../templates/examples -type f \( -name 'input.*' -o -path '*examples*' \) -print0)
for i in $(seq 1 64); do head -c 16 /dev/urandom > "corpus/expand/seed-$i"; done
echo "seeded $n files"
