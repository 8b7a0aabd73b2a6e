#!/usr/bin/env bash
# Times ddlink side by side with lol_html doing nothing (examples/passthrough.rs, 64 KiB chunks)
# and `cat`, on the generated corpora (../shared/corpus/gen_corpus.py), and prints each as a
# ratio to the passthrough, with peak RSS. Needs hyperfine (Debian package) and python3.
#
#   bench/compare.sh            full corpora: A = 2,000 templates (~60 MB), B = one ~200 MB file
#   bench/compare.sh --quick    small corpora, fewer runs
set -euo pipefail
cd "$(dirname "$0")/.."
quick=false
[ "${1:-}" = "--quick" ] && quick=true
command -v hyperfine > /dev/null || { echo "hyperfine is needed: apt-get install hyperfine"; exit 2; }

corpus=target/bench-corpus
if $quick; then args=(--a-files 200 --b-mb 20); runs=3; else args=(); runs=5; fi
if [ ! -f "$corpus/.done-$quick" ]; then
  rm -rf "$corpus"
  python3 ../shared/corpus/gen_corpus.py --out "$corpus" "${args[@]}" > /dev/null
  printf 'portal = "https://acme.deskdirector.com"\n' > "$corpus/ddlink.toml"
  touch "$corpus/.done-$quick"
fi
cargo build --release --quiet --bin ddlink --example passthrough
ddlink=$PWD/target/release/ddlink
pass=$PWD/target/release/examples/passthrough
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

cd "$corpus"
hyperfine -N --warmup 1 --runs "$runs" --ignore-failure --export-json "$out/a.json" \
  -n passthrough "$pass a" \
  -n cat "cat a/tpl-0000.html" \
  -n check "$ddlink check --format concise --no-progress a" \
  -n "fix --out-dir" "$ddlink fix --format concise --no-progress --out-dir $out/fixed a" > /dev/null
hyperfine -N --warmup 1 --runs "$runs" --ignore-failure --export-json "$out/b.json" \
  -n passthrough "$pass b/big.html" \
  -n check "$ddlink check --format concise --no-progress b/big.html" > /dev/null
hyperfine -N --warmup 3 --runs $((runs * 10)) --ignore-failure --export-json "$out/hook.json" \
  -n "cat single-20k" "cat single-20k.html" \
  -n "fix - (save hook)" "sh -c '$ddlink fix - --stdin-filename single-20k.html < single-20k.html'" > /dev/null

rss() { /usr/bin/time -f %M "$@" > /dev/null 2> "$out/rss" || true; tail -n 1 "$out/rss"; }
python3 - "$out" "$(rss "$pass" b/big.html)" "$(rss "$ddlink" check --format concise --no-progress b/big.html)" <<'PY'
import json, sys, os
out, rss_pass, rss_check = sys.argv[1:4]
def table(name):
    results = json.load(open(os.path.join(out, name)))["results"]
    base = results[0]["median"]
    return [(r["command"], r["median"], r["median"] / base) for r in results]
print("| corpus | command | median | ratio |")
print("|---|---|---|---|")
for corpus, name in [("A", "a.json"), ("B", "b.json"), ("20 KB", "hook.json")]:
    for command, median, ratio in table(name):
        print(f"| {corpus} | {command} | {median * 1000:.1f} ms | {ratio:.2f}× |")
print(f"\npeak RSS on B: passthrough {int(rss_pass) // 1024} MiB, ddlink check {int(rss_check) // 1024} MiB")
PY
