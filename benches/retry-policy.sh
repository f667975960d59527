#!/usr/bin/env bash
# How often a sync asks to be run again when a whole team syncs at the same moment,
# under each retry policy: the measurement behind sync's policy (docs/sync.md, "When the
# whole team syncs at once").
#
# Eight teammates (each with its own HOME and registry) join one bare remote on disk,
# then all start at once: each registers CHANGES repositories and syncs after each,
# running the sync again whenever it asks to be. A policy is ATTEMPTS:FIRST_MS:LONGEST_MS
# (rounds in all; the pause before a new round is random, up to FIRST_MS doubled each
# round, never more than LONGEST_MS), given to repodex in REPODEX_TEST_SYNC_RETRY.
#
# Usage: benches/retry-policy.sh REPODEX [RUNS] [CHANGES] [POLICY...]
#   REPODEX  the repodex binary (a release build: target/release/repodex)
#   RUNS     runs per policy (default 5); CHANGES per teammate (default 6)
# Prints, per policy: syncs asked to be run again of the syncs the teammates wanted,
# rounds (fetch-merge-push) in all, and the median wall time of a run.
set -u
repodex=$(realpath "$1")
runs=${2:-5}
changes=${3:-6}
shift $(($# < 3 ? $# : 3))
policies=("$@")
[ ${#policies[@]} -gt 0 ] || policies=(5:0:0 10:0:0 5:100:1600 10:50:800 10:100:1600 12:100:3200)
teammates=8

one_run() { # $1 = policy, $2 = folder; prints "asks rounds milliseconds"
  local policy=$1 root=$2
  mkdir -p "$root"
  export GIT_CONFIG_NOSYSTEM=1
  git init -q --bare -b main "$root/remote.git"
  as() { # as WHO COMMAND...: repodex in WHO's own HOME and registry
    local who=$1; shift
    HOME="$root/$who/home" XDG_CONFIG_HOME= XDG_DATA_HOME= XDG_CACHE_HOME= XDG_STATE_HOME= \
      GIT_CONFIG_GLOBAL="$root/$who/home/.gitconfig" REPODEX_HOME="$root/$who/registry" \
      REPODEX_TEST_SYNC_RETRY="$policy" "$repodex" -q "$@"
  }
  for who in founder $(seq -f 't%g' 0 $((teammates - 1))); do mkdir -p "$root/$who/home"; done
  {
    as founder init
    as founder remote set "$root/remote.git"
    as founder register git://127.0.0.1:9/team/base --name team/base --no-fetch
    as founder sync
    for t in $(seq 0 $((teammates - 1))); do as "t$t" init --from "$root/remote.git"; done
  } >/dev/null || return 1
  teammate() {
    local t=$1 i code
    for i in $(seq 1 "$changes"); do
      as "t$t" register "git://127.0.0.1:9/team/t$t-c$i" --name "t$t/c$i" --no-fetch >/dev/null || return 1
      while :; do
        as "t$t" sync --json >"$root/t$t.json" 2>"$root/t$t.err"; code=$?
        if [ $code -eq 0 ]; then
          grep -o '"attempts": [0-9]*' "$root/t$t.json" | grep -o '[0-9]*$' >>"$root/rounds"
          break
        fi
        grep -q 'run `repodex sync` again' "$root/t$t.err" || { cat "$root/t$t.err" >&2; return 1; }
        echo "$policy" | cut -d: -f1 >>"$root/rounds"
        echo "t$t" >>"$root/asks"
      done
    done
  }
  local start end pids='' p failed=0
  start=$(date +%s%N)
  for t in $(seq 0 $((teammates - 1))); do teammate "$t" & pids="$pids $!"; done
  for p in $pids; do wait "$p" || failed=1; done
  end=$(date +%s%N)
  [ $failed -eq 0 ] || { echo "a teammate failed" >&2; return 1; }
  local asks rounds
  asks=$(cat "$root/asks" 2>/dev/null | wc -l)
  rounds=$(awk '{ s += $1 } END { print s }' "$root/rounds")
  echo "$asks $rounds $(((end - start) / 1000000))"
}

wanted=$((teammates * changes))
printf '| policy (attempts:first:longest ms) | asked again | of syncs wanted | rounds | median run |\n|---|---:|---:|---:|---:|\n'
for policy in "${policies[@]}"; do
  total_asks=0 total_rounds=0 times=()
  for run in $(seq 1 "$runs"); do
    dir=$(mktemp -d)
    result=$(one_run "$policy" "$dir") || exit 1
    read -r asks rounds ms <<<"$result"
    rm -rf "$dir"
    total_asks=$((total_asks + asks)) total_rounds=$((total_rounds + rounds))
    times+=("$ms")
  done
  median=$(printf '%s\n' "${times[@]}" | sort -n | sed -n "$(((runs + 1) / 2))p")
  printf '| %s | %d | %d | %d | %s s |\n' "$policy" "$total_asks" $((wanted * runs)) "$total_rounds" \
    "$(awk -v ms="$median" 'BEGIN { printf "%.1f", ms / 1000 }')"
done
