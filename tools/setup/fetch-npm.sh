#!/usr/bin/env bash
# Unpacks one npm package (name@version) into the project's cache and prints the folder that holds
# its files. Packages come as tarballs through `npm pack`, so no install script ever runs; a package
# already in the cache is not fetched again.
set -euo pipefail
spec=${1:?usage: fetch-npm.sh NAME@VERSION}
root=$(cd "$(dirname "$0")/../.." && pwd)
cache=${BERT_MLNET_CACHE:-$root/.cache}
dest="$cache/npm/${spec//\//+}"
if [ ! -f "$dest/.complete" ]; then
  rm -rf "$dest" && mkdir -p "$dest"
  tarball=$(cd "$dest" && npm pack --silent "$spec" 2>/dev/null | tail -n 1)
  [ -n "$tarball" ] && [ -f "$dest/$tarball" ] || { echo "fetch-npm.sh: npm pack $spec failed" >&2; exit 1; }
  tar xzf "$dest/$tarball" -C "$dest" && rm "$dest/$tarball"
  touch "$dest/.complete"
fi
echo "$dest/package"
