#!/usr/bin/env bash
# Runs both pre-commit hooks of this repository (`pre-commit try-repo`) on a small sample
# repository, as a user's pre-commit would: ddlink-check must fail on a broken link and pass
# on a clean template, ddlink-fix must expand a placeholder in place.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

python3 -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet pre-commit
export PATH="$work/venv/bin:$PATH"
export PRE_COMMIT_HOME="$work/cache"

sample="$work/sample"
mkdir -p "$sample/mail"
cd "$sample"
git init --quiet
git config user.email ci@example.com
git config user.name ci
cat > ddlink.toml <<'TOML'
portal = "https://acme.deskdirector.com"
psa = "connectwise"
TOML
printf '<a href="https://acme.deskdirector.com/portal/deeplink?name=ticket&amp;ticket_id=[srnumber]&amp;action=aprove">Approve</a>\n' > mail/broken.html
printf '<a href="https://acme.deskdirector.com/portal/deeplink?name=quotes">Quotes</a>\n' > mail/clean.html
printf '<p><dd-link name="ticket" action="close">Close</dd-link></p>\n' > mail/placeholder.html
printf '# Notes\n[srnumbr] is not checked here: markdown is not a template.\n' > NOTES.md
git add . && git commit --quiet -m sample

echo "== ddlink-check on a broken template fails"
if pre-commit try-repo "$repo" ddlink-check --files mail/broken.html > "$work/out" 2>&1; then
  cat "$work/out"; echo "expected ddlink-check to fail"; exit 1
fi
grep -q "DD106" "$work/out" || { cat "$work/out"; echo "expected DD106"; exit 1; }

echo "== ddlink-check on clean files passes"
pre-commit try-repo "$repo" ddlink-check --files mail/clean.html NOTES.md

echo "== ddlink-fix expands a placeholder"
pre-commit try-repo "$repo" ddlink-fix --files mail/placeholder.html || true
grep -q 'href="https://acme.deskdirector.com/portal/deeplink?name=ticket&amp;ticket_id=\[srnumber\]&amp;action=close"' mail/placeholder.html \
  || { cat mail/placeholder.html; echo "expected the placeholder to be expanded"; exit 1; }
echo "pre-commit hooks: ok"
