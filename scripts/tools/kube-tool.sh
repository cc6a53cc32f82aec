#!/usr/bin/env bash
# kube-tool.sh NAME: print the path of kube-apiserver or kubectl at the pinned
# Kubernetes version, building both first when this machine has not built it.
#   kube-tool.sh --all    build them (CI's warm-up), print nothing
# k8s.io/kubernetes is not `go install`-able (its go.mod points the k8s.io/*
# staging modules at ./staging), so go-tool.sh cannot build it: this writes a
# throw-away module that requires it and replaces each staging module with its
# published v0.X.Y twin, then builds both commands in one go. Binaries are kept
# per version beside go-tool.sh's, outside the clone.
set -euo pipefail
version=v1.37.2 # the API server deploy/validate.sh dry-runs against
cache="${KAFKA_PIPELINE_TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/kafka-pipeline/tools}"
dir="$cache/kubernetes-$version"

die() { echo "kube-tool: $*" >&2; exit 1; }

build() {
  [[ -x "$dir/kube-apiserver" && -x "$dir/kubectl" ]] && return
  # One build at a time per machine: a second caller waits for the first, then finds the binaries.
  mkdir -p "$cache"
  exec 9>"$dir.lock"
  flock 9
  [[ -x "$dir/kube-apiserver" && -x "$dir/kubectl" ]] && return
  command -v go >/dev/null || die "kube-apiserver is built with Go, and go is not on PATH"
  echo "kube-tool: building kube-apiserver and kubectl $version from k8s.io/kubernetes (once per machine)" >&2
  local work staging="v0.${version#v1.}"
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' RETURN
  (
    cd "$work"
    go mod init kube-tool.local >/dev/null 2>&1
    local gomod
    gomod="$(go mod download -json "k8s.io/kubernetes@$version" | sed -n 's/.*"GoMod": "\(.*\)",*/\1/p')"
    [[ -f "$gomod" ]] || die "could not fetch k8s.io/kubernetes@$version's go.mod"
    go mod edit -require "k8s.io/kubernetes@$version"
    # Every `k8s.io/X => ./staging/src/k8s.io/X` in kubernetes' own go.mod.
    awk '$2 == "=>" && $3 ~ /^\.\/staging\// { print $1 }' "$gomod" | while read -r m; do
      go mod edit -replace "$m=$m@$staging"
    done
    printf 'package tools\n\nimport (\n\t_ "k8s.io/kubernetes/cmd/kube-apiserver/app"\n\t_ "k8s.io/kubectl/pkg/cmd"\n)\n' >tools.go
    go mod tidy >&2
    mkdir -p "$dir.tmp"
    GOFLAGS="-trimpath -mod=mod" go build -o "$dir.tmp/" k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kubectl >&2
  ) || die "building kubernetes $version failed"
  rm -rf "$dir" && mv "$dir.tmp" "$dir"
}

case "${1:-}" in
  kube-apiserver | kubectl) build && echo "$dir/$1" ;;
  --all) build ;;
  *) die "usage: kube-tool.sh kube-apiserver | kubectl | --all" ;;
esac
