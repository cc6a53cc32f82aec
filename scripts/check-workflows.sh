#!/usr/bin/env bash
# check-workflows.sh [FILE...]: check GitHub Actions workflows (paths from the repository root; default: every
# .github/workflows/*.yml and *.yaml). Exit 0 when all are clean, 1 otherwise.
#   1. actionlint (scripts/tools/go-tool.sh builds the pinned version once per
#      machine): syntax, expressions and their types, contexts, job needs,
#      runner labels, and every `run:` script through shellcheck, which must be
#      installed (without it actionlint skips the scripts without a word);
#   2. pins: every action from another repository is pinned to a full commit
#      SHA, its version in a comment (`uses: owner/repo@<40 hex> # v1.2.3`), so
#      a moved tag can never change what runs;
#   3. inputs: actionlint knows the inputs of popular actions per major version
#      (actions/checkout@v6), not per commit, so a misspelt input under a SHA
#      pin would pass step 1. It runs again on a copy in which each pin reads
#      as the major version of its comment.
# test/workflows/workflows.test.ts runs this on the workflows and on fixtures that must fail it.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2

die() { echo "check-workflows: $*" >&2; exit 2; }
command -v shellcheck >/dev/null || die "shellcheck is missing (Debian: apt-get install shellcheck); actionlint would skip every run: script"
actionlint="$(bash scripts/tools/go-tool.sh actionlint)" || die "cannot build actionlint"

files=("$@")
if [ ${#files[@]} -eq 0 ]; then
  shopt -s nullglob
  files=(.github/workflows/*.yml .github/workflows/*.yaml)
  [ ${#files[@]} -gt 0 ] || die "no workflow under .github/workflows"
fi

status=0
lint() { "$actionlint" -shellcheck "$(command -v shellcheck)" -pyflakes= "$@" || status=1; }

# 1. Everything actionlint checks.
lint "${files[@]}"

# 2. Pins. A remote `uses:` is owner/repo[/path]@ref; ./local actions and docker:// images are not pinned this way.
pinned='^[A-Za-z0-9_.-]+/[A-Za-z0-9_./-]+@[0-9a-f]{40}[[:space:]]+#[[:space:]]*v[0-9]+(\.[0-9]+)*$'
for file in "${files[@]}"; do
  line_no=0
  while IFS= read -r line; do
    line_no=$((line_no + 1))
    [[ "$line" =~ ^[[:space:]]*(-[[:space:]]+)?uses:[[:space:]]*(.*)$ ]] || continue
    ref="${BASH_REMATCH[2]}"
    ref="${ref%"${ref##*[![:space:]]}"}"
    [[ "$ref" == ./* || "$ref" == docker://* ]] && continue
    if [[ ! "$ref" =~ $pinned ]]; then
      echo "$file:$line_no: \"$ref\" is not pinned to a full commit SHA with its version as a comment (uses: owner/repo@<40 hex> # v1.2.3) [pin]"
      status=1
    fi
  done <"$file"
done

# 3. Inputs, on a copy where `@<sha> # v1.2.3` reads `@v1`: same lines, same paths (relative), so the
# messages point at the real file. Only the input errors count here: the rest was step 1's.
copy="$(mktemp -d)"
trap 'rm -rf "$copy"' EXIT
copies=()
for file in "${files[@]}"; do
  relative="${file#/}"
  mkdir -p "$copy/$(dirname "$relative")"
  sed -E 's/^([[:space:]]*(-[[:space:]]+)?uses:[[:space:]]*[^@[:space:]]+)@[0-9a-f]{40}[[:space:]]+#[[:space:]]*(v[0-9]+)[^[:space:]]*[[:space:]]*$/\1@\3/' \
    "$file" >"$copy/$relative"
  copies+=("$relative")
done
inputs="$(cd "$copy" && "$actionlint" -shellcheck= -pyflakes= -oneline "${copies[@]}" 2>&1)"
if grep -F '[action]' <<<"$inputs"; then status=1; fi

exit $status
