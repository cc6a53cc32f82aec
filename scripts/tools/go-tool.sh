#!/usr/bin/env bash
# go-tool.sh NAME: print the path of the pinned tool NAME (scripts/tools/go-tools.txt),
# building it first from its Go module when this machine has not built that version.
#   go-tool.sh --all    build every listed tool (CI's warm-up), print nothing
# Binaries are kept per version in $KAFKA_PIPELINE_TOOLS (default
# ~/.cache/kafka-pipeline/tools), outside the clone, so a fresh clone on the same
# machine reuses them: only a cold machine pays the build.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
list="$here/go-tools.txt"
cache="${KAFKA_PIPELINE_TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/kafka-pipeline/tools}"

die() { echo "go-tool: $*" >&2; exit 1; }

build() {
  local name=$1 module version bin
  read -r module version < <(awk -v n="$name" '$1 == n { print $2, $3 }' "$list") || true
  [[ -n "${module:-}" ]] || die "unknown tool '$name' (known: $(awk '!/^#/ && NF { printf "%s ", $1 }' "$list"))"
  bin="$cache/$name-$version/$name"
  if [[ ! -x "$bin" ]]; then
    command -v go >/dev/null || die "$name is built with Go, and go is not on PATH"
    echo "go-tool: building $name $version from its Go module (once per machine)" >&2
    mkdir -p "$cache/$name-$version.tmp"
    GOBIN="$cache/$name-$version.tmp" GOFLAGS=-trimpath go install "$module@$version" >&2 \
      || die "building $name $version failed"
    # The binary is named after the module's last element (helm): the list's name may differ (helm3).
    [[ "$(basename "$module")" == "$name" ]] || mv "$cache/$name-$version.tmp/$(basename "$module")" "$cache/$name-$version.tmp/$name"
    rm -rf "$cache/$name-$version" && mv "$cache/$name-$version.tmp" "$cache/$name-$version"
  fi
  echo "$bin"
}

case "${1:-}" in
  "") die "usage: go-tool.sh NAME | --all" ;;
  --all) awk '!/^#/ && NF { print $1 }' "$list" | while read -r t; do build "$t" >/dev/null; done ;;
  *) build "$1" ;;
esac
