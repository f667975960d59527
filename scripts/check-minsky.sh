#!/usr/bin/env bash
# Runs docs/minsky.md's table "Which option takes what" against a real Minsky CLI, so
# the table can be made again when Minsky changes. Not run by CI: it needs bun, a
# Minsky checkout with its dependencies installed (`bun install`), and PostgreSQL 15
# with pgvector (Minsky's migrations create vector columns). The recipe for a machine
# without them is in docs/minsky.md ("How the table was checked").
#
#   scripts/check-minsky.sh MINSKY_CHECKOUT [REPODEX_BINARY]
#
# Everything runs in a fresh folder under $TMPDIR with its own HOME, XDG folders, git
# config, PostgreSQL server and git daemon on 127.0.0.1; the internet is shut out
# through an unreachable proxy, so GitHub-backed steps fail the way they would
# offline. Each check prints two lines: `ok` (it did what the guide says), `FAILS` (it
# did not: the guide or repodex must change), or `NOTE` (what Minsky does with the
# value, which the guide reports), with what was run; then what happened. Exit 0 when
# every check ran, whatever they found; 1 when Minsky's migrations failed, 2 when
# something it needs is missing. Set KEEP=1 to keep the folder.
set -uo pipefail

minsky_dir=$(cd "${1:?usage: scripts/check-minsky.sh MINSKY_CHECKOUT [REPODEX_BINARY]}" && pwd)
here=$(cd "$(dirname "$0")/.." && pwd)
repodex_bin=${2:-$here/target/debug/repodex}
repodex_bin=$(cd "$(dirname "$repodex_bin")" && pwd)/$(basename "$repodex_bin")
pg_bin=${PG_BIN:-/usr/lib/postgresql/15/bin}
[ -x "$repodex_bin" ] || { echo "no repodex binary at $repodex_bin (cargo build first)" >&2; exit 2; }
[ -x "$(dirname "$repodex_bin")/git-remote-repodex" ] ||
    { echo "no git-remote-repodex beside $repodex_bin" >&2; exit 2; }
command -v bun >/dev/null || { echo "bun is not installed (npm install -g bun)" >&2; exit 2; }
[ -d "$minsky_dir/node_modules" ] || { echo "run 'bun install' in $minsky_dir first" >&2; exit 2; }
[ -x "$pg_bin/postgres" ] || { echo "no PostgreSQL in $pg_bin (set PG_BIN)" >&2; exit 2; }

work=$(mktemp -d "${TMPDIR:-/tmp}/check-minsky.XXXXXX")
chmod 755 "$work"
pg_port=$((20000 + RANDOM % 20000))
git_port=$((pg_port + 1))

# PostgreSQL refuses to run as root: as root, the server runs as nobody.
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u nobody -- "$@"; else "$@"; fi; }

cleanup() {
    as_pg "$pg_bin/pg_ctl" -D "$work/pg/data" -m immediate stop >/dev/null 2>&1
    [ -f "$work/git-daemon.pid" ] && kill "$(cat "$work/git-daemon.pid")" 2>/dev/null
    if [ "${KEEP:-}" = 1 ]; then echo "kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT

export HOME=$work/home XDG_CONFIG_HOME=$work/home/.config XDG_STATE_HOME=$work/home/.local/state
export XDG_DATA_HOME=$work/home/.local/share XDG_CACHE_HOME=$work/home/.cache
export GIT_CONFIG_GLOBAL=$work/home/.gitconfig GIT_CONFIG_NOSYSTEM=1
export http_proxy=http://127.0.0.1:9 https_proxy=http://127.0.0.1:9 HTTP_PROXY=http://127.0.0.1:9
export HTTPS_PROXY=http://127.0.0.1:9 ALL_PROXY=http://127.0.0.1:9 no_proxy=127.0.0.1,localhost NO_PROXY=127.0.0.1,localhost
unset GITHUB_TOKEN GH_TOKEN REPODEX_HOME MINSKY_POSTGRES_URL MINSKY_PROJECT
export PATH=$(dirname "$repodex_bin"):$PATH
mkdir -p "$HOME" "$XDG_CONFIG_HOME/minsky" "$XDG_STATE_HOME"
git config --global user.name check && git config --global user.email check@example.invalid
git config --global init.defaultBranch main

log=$work/log
: >"$log"
# `minsky` on PATH, as a user has it.
mkdir -p "$work/bin"
printf '#!/bin/sh\nexec bun run %q/src/cli.ts "$@"\n' "$minsky_dir" >"$work/bin/minsky"
chmod +x "$work/bin/minsky"
export PATH=$work/bin:$PATH

# ran NAME -- COMMAND...: run it ($limit seconds at most, 2 minutes unless set), keep
# its output in $work/out and the log.
ran() {
    local name=$1; shift; shift
    echo "[$name] \$ $*" >>"$log"
    timeout "${limit:-120}" "$@" >"$work/out" 2>&1 </dev/null
    local rc=$?
    cat "$work/out" >>"$log"
    echo "[exit $rc]" >>"$log"
    return $rc
}
# A check's line: verdict, what was run, what happened (one line).
say() { printf '%-5s %s\n      %s\n' "$1" "$2" "$3"; }
first_error() { grep -m1 -iE 'error|fail|invalid|not |cannot|required|refus' "$work/out" | cut -c1-200; }

## The stage: PostgreSQL with Minsky's migrations, a git daemon, a registry.

mkdir -p "$work/pg" && chown nobody "$work/pg" 2>/dev/null
as_pg "$pg_bin/initdb" -D "$work/pg/data" -U postgres --auth=trust >/dev/null ||
    { echo "initdb failed" >&2; exit 2; }
as_pg "$pg_bin/pg_ctl" -D "$work/pg/data" -l "$work/pg/log" -w \
    -o "-p $pg_port -k $work/pg -c listen_addresses=127.0.0.1" start >/dev/null ||
    { cat "$work/pg/log" >&2; exit 2; }
"$pg_bin/psql" -qX -h 127.0.0.1 -p "$pg_port" -U postgres -c 'CREATE DATABASE minsky' >/dev/null
pg_url=postgresql://postgres@127.0.0.1:$pg_port/minsky
export MINSKY_PERSISTENCE_POSTGRES_URL=$pg_url
cat >"$XDG_CONFIG_HOME/minsky/config.yaml" <<YAML
persistence:
  backend: postgres
  postgres:
    connectionString: "$pg_url"
YAML
psql() { "$pg_bin/psql" -qAtX "$pg_url" "$@"; }

# Two repositories on a git daemon: team/up (whose .minsky/config.yaml names it
# repodex:up) and team/other.
mkdir -p "$work/srv/team" "$work/seed"
for repo in up other; do
    git init -q "$work/seed/$repo"
    echo "# $repo" >"$work/seed/$repo/README.md"
    echo '{"name": "'"$repo"'", "private": true}' >"$work/seed/$repo/package.json"
    git -C "$work/seed/$repo" add -A && git -C "$work/seed/$repo" commit -qm "$repo"
    git clone -q --bare "$work/seed/$repo" "$work/srv/team/$repo.git"
done
git daemon --base-path="$work/srv" --export-all --reuseaddr --listen=127.0.0.1 \
    --port="$git_port" --detach --pid-file="$work/git-daemon.pid" "$work/srv"
sleep 1
up_url=git://127.0.0.1:$git_port/team/up.git
repodex register "$up_url" --name team/up --alias up >>"$log" 2>&1
repodex register "git://127.0.0.1:$git_port/team/other.git" --name team/other >>"$log" 2>&1
repodex register https://github.com/edobry/minsky.git --name edobry/minsky --alias mk >>"$log" 2>&1
repodex git-setup >>"$log" 2>&1
repodex refresh --all >>"$log" 2>&1

minsky_commit=$(git -C "$minsky_dir" rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
echo "Minsky $minsky_commit ($minsky_dir), $("$repodex_bin" --version), git $(git --version | cut -d' ' -f3), bun $(bun --version)"
echo "(every command and its whole output: $log; KEEP=1 keeps it)"
echo

if ! ran migrate -- minsky persistence migrate --execute; then
    say FAILS "minsky persistence migrate --execute" "$(first_error)"
    exit 1
fi

# A project folder as a Minsky user has one: a clone made by repodex, then `minsky init`
# and `minsky setup`. Minsky's session commands take the project's repository from
# `repository.url` of its configuration (with backend github; any other backend makes
# them require a GitHub origin), so that names the entry: `url: repodex:up`.
project=$(repodex clone up 2>>"$log")
other=$(repodex clone team/other 2>>"$log")
cd "$other" || exit 2

## Rows of the table, in its order. Each: what was run, and what happened.

# Minsky refuses its commands in a folder that did not go through init and setup.
if ran refused -- minsky session start --repo repodex:up --description check; then
    say FAILS "session start in a folder without minsky init/setup" "it ran: $(tail -1 "$work/out")"
else
    say ok "session start in a folder without minsky init/setup is refused" "$(first_error)"
fi

cd "$project" || exit 2
ran init -- minsky init --backend minsky >/dev/null
ran setup0 -- minsky setup --yes --overwrite >/dev/null
# What init writes (repository.backend: local) leaves the session commands wanting a
# GitHub origin.
if ran local -- minsky session start --repo repodex:up --description check --skip-install; then
    say NOTE "session start with repository.backend: local" "it ran"
else
    say NOTE "session start with repository.backend: local (what init writes), origin on no forge" "$(first_error)"
fi
sed -i 's/^  backend: local$/  backend: github\n  url: repodex:up/' .minsky/config.yaml
grep -q 'url: repodex:up' .minsky/config.yaml || say FAILS "project configuration" "no repository.backend: local to replace in .minsky/config.yaml"
ran setup -- minsky setup --yes --overwrite >/dev/null || say FAILS "minsky setup" "$(first_error)"

sessions=$XDG_STATE_HOME/minsky/sessions
newest_session() { ls -td "$sessions"/*/ 2>/dev/null | head -1 | sed 's,/$,,'; }
row_of() { psql -c "SELECT repo_url || ' (repo_name ' || repo_name || ')' FROM sessions WHERE session = '$1'"; }

# 1. A URL handed to git clone: session start --repo repodex:<name>, a name with a slash.
if ran start -- minsky session start --repo repodex:team/up --description "by name" --skip-install; then
    s=$(newest_session); id=$(basename "$s")
    origin=$(git -C "$s" remote get-url origin)
    if [ "$origin" = "$up_url" ]; then v=ok; else v=FAILS; fi
    say $v "session start --repo repodex:team/up" "cloned; origin: $origin (remote.origin.vcs=$(git -C "$s" config remote.origin.vcs), .repodex=$(git -C "$s" config remote.origin.repodex)); Minsky recorded: $(row_of "$id")"
    session=$s
else
    say FAILS "session start --repo repodex:team/up" "$(first_error)"
    session=
fi

# The value is another repository than the project's: Minsky clones it, but records
# the project configuration's repository.url.
if ran start2 -- minsky session start --repo repodex:team/other --description "other" --skip-install; then
    s=$(newest_session)
    say NOTE "session start --repo repodex:team/other (project url: repodex:up)" "cloned $(git -C "$s" remote get-url origin); Minsky recorded: $(row_of "$(basename "$s")")"
else
    say FAILS "session start --repo repodex:team/other" "$(first_error)"
fi

# A name that is no entry: git's clone fails with repodex's message.
if ran start3 -- minsky session start --repo repodex:nosuch --description "nosuch" --skip-install; then
    say FAILS "session start --repo repodex:nosuch" "it started a session"
else
    say ok "session start --repo repodex:nosuch fails with repodex's word" "$(grep -m1 '^repodex: ' "$work/out" | cut -c1-200)"
fi

# Minsky checks nothing of the value before git clone.
if ran start4 -- minsky session start --repo "not a url" --description "junk" --skip-install; then
    say NOTE "session start --repo 'not a url'" "it started a session"
else
    say NOTE "session start --repo 'not a url' reaches git clone unchecked" "$(first_error)"
fi

# minsky git clone: the one URL-shape check (zod .url()).
if ran gclone -- minsky git clone repodex:up --destination "$work/gclone"; then
    say ok "minsky git clone repodex:up" "origin: $(git -C "$work/gclone" remote get-url origin)"
else
    say FAILS "minsky git clone repodex:up" "$(first_error)"
fi
if ran gclone2 -- minsky git clone "$(repodex resolve up)" --destination "$work/gclone2"; then
    say ok "minsky git clone \"\$(repodex resolve up)\" ($up_url)" "cloned"
else
    say FAILS "minsky git clone \"\$(repodex resolve up)\"" "$(first_error)"
fi
if ran gclone3 -- minsky git clone git@github.com:edobry/minsky.git --destination "$work/gclone3"; then
    say NOTE "minsky git clone git@github.com:edobry/minsky.git" "accepted (the clone needs the internet)"
else
    say NOTE "minsky git clone of an scp-style URL (what resolve prints for such an entry)" "$(first_error)"
fi

# 2. A local path.
path=$(repodex resolve up --print path)
if ran gstatus -- minsky git status --repo "$path"; then
    say ok "git status --repo \"\$(repodex resolve up --print path)\"" "$(tr '\n' ' ' <"$work/out" | cut -c1-160)"
else
    say FAILS "git status --repo \"\$(repodex resolve up --print path)\"" "$(first_error)"
fi
other_path=$(repodex resolve team/other --print path)
if ran initrepo -- minsky init --backend minsky --repo "$other_path" && [ -f "$other_path/.minsky/config.yaml" ]; then
    say ok "init --repo \"\$(repodex resolve team/other --print path)\"" "wrote $other_path/.minsky/config.yaml"
else
    say FAILS "init --repo \"\$(repodex resolve team/other --print path)\"" "$(first_error)"
fi
if ran setuprepo -- minsky setup --yes --overwrite --repo "$other_path" && [ -f "$other_path/.minsky/config.local.yaml" ]; then
    say ok "setup --repo \"\$(repodex resolve team/other --print path)\"" "wrote $other_path/.minsky/config.local.yaml"
else
    say FAILS "setup --repo \"\$(repodex resolve team/other --print path)\"" "$(first_error)"
fi
ran mcp -- timeout 20 minsky mcp start --repo "$path"
rc=$?
say NOTE "mcp start --repo \"\$(repodex resolve up --print path)\" (stdin closed, 20 s)" "exit $rc: $(grep -m1 -iE 'error|start|listen|ready' "$work/out" | cut -c1-160)"

# 3. A session workspace, for the session commands' auto-detection.
if ran sget -- minsky session get --repo "$path"; then
    say FAILS "session get --repo \"\$(repodex resolve up --print path)\" (the main clone)" "it found a session"
else
    say NOTE "session get --repo \"\$(repodex resolve up --print path)\" (the main clone) finds no session" "$(first_error)"
fi
if [ -n "$session" ] && ran sget2 -- minsky session get --repo "$session"; then
    say ok "session get --repo <the session's workspace>" "$(grep -m1 'Repository' "$work/out" | tr -s ' ')"
else
    say FAILS "session get --repo <the session's workspace>" "$(first_error)"
fi
if [ -n "$session" ] && ran sdir -- minsky session dir "$(basename "$session")" &&
    grep -qF "$session" "$work/out"; then
    say ok "session dir <id> prints the workspace" "$(tail -1 "$work/out")"
else
    say FAILS "session dir <id>" "$(tail -1 "$work/out")"
fi
if ran slist -- minsky session list --repo /nonexistent; then
    say NOTE "session list --repo /nonexistent" "ignores --repo: lists all $(grep -c '^●' "$work/out") sessions"
else
    say NOTE "session list --repo /nonexistent" "$(first_error)"
fi
# repodex knows the session workspaces once a scan recorded them.
ran scan -- repodex import scan "$sessions"
ran spath -- repodex resolve team/up --print path --all
say NOTE "repodex import scan $sessions; repodex resolve team/up --print path --all" "$(tr '\n' ' ' <"$work/out")"

# 4. A forge URL containing github.com, gitlab.com or bitbucket.org.
ran web -- repodex resolve mk --print web
web=$(cat "$work/out")
ran changeset -- minsky repo changeset list --repo "$web"
say NOTE "repo changeset list --repo \"\$(repodex resolve mk --print web)\" ($web)" "exit $?: $(first_error)"
if ran web2 -- repodex resolve up --print web; then
    say FAILS "repodex resolve up --print web (git daemon)" "printed $(cat "$work/out")"
else
    say ok "repodex resolve up --print web (not on a forge) says why" "$(cat "$work/out")"
fi
ran changeset2 -- minsky repo changeset list --repo "$up_url"
say NOTE "repo changeset list --repo $up_url" "$(first_error)"

# 5. GitHub owner/repo.
forge=$(repodex resolve mk --print forge)
limit=30 ran ghapp -- minsky setup github-app --name check --repo "$forge"
say NOTE "setup github-app --name check --repo \"\$(repodex resolve mk --print forge)\" ($forge), 30 s" "exit $? (124: still waiting): $(first_error)"
mkdir -p "$work/fresh" && git -C "$work/fresh" init -q
ran ghinit -- minsky init --backend minsky --repo "$work/fresh" --github-owner edobry --github-repo minsky
if grep -rq edobry "$work/fresh/.minsky" 2>/dev/null; then
    say ok "init --github-owner/--github-repo" "the project configuration names edobry/minsky"
else
    say NOTE "init --github-owner edobry --github-repo minsky" "exit $(tail -1 "$log" | tr -dc 0-9): nothing of it in $work/fresh/.minsky"
fi
ran ghtask -- minsky tasks create --github-repo "$forge" --title probe --spec "probe"
say NOTE "tasks create --github-repo \"\$(repodex resolve mk --print forge)\"" "$(tr '\n' ' ' <"$work/out" | cut -c1-160)"

## What Minsky derives from a session cloned by name.

if [ -n "$session" ]; then
    slug=$(cd "$minsky_dir" && bun -e '
        const { deriveSlugFromGitRemote, extractOwnerRepo } = await import("./packages/domain/src/project/slug.ts");
        console.log(JSON.stringify({ slug: deriveSlugFromGitRemote(process.argv[1]),
            ofHelperUrl: extractOwnerRepo("repodex::up"),
            ofHttps: extractOwnerRepo("https://github.com/edobry/minsky.git") }));' "$session" 2>&1 | tail -1)
    say NOTE "Minsky's project slug of the session cloned by name (origin $(git -C "$session" remote get-url origin))" "$slug"
fi
norm=$(cd "$minsky_dir" && bun -e '
    const { normalizeRepositoryUri } = await import("./packages/domain/src/uri-utils.ts");
    const out = {};
    for (const v of ["repodex:up", "repodex:team/up", process.argv[1]]) {
        try { out[v] = normalizeRepositoryUri(v).normalizedUri ?? normalizeRepositoryUri(v); }
        catch (e) { out[v] = "throws: " + String(e.message).slice(0, 80); }
    }
    console.log(JSON.stringify(out));' "$up_url" 2>&1 | tail -1)
say NOTE "Minsky's normalizeRepositoryUri" "$norm"

## What repodex imports from it.

ran import -- repodex import minsky
say NOTE "repodex import minsky" "$(tr '\n' ' ' <"$work/out" | cut -c1-400)"
