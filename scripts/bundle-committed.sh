#!/usr/bin/env bash
# Rebuilds dist/ from the committed sources (HEAD), whatever the working tree holds, and puts it in place.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
tree=$(mktemp -d)
git -C "$root" worktree add -q --detach "$tree" HEAD
cp -al "$root/node_modules" "$tree/node_modules"  # a real folder: chunk ids hash paths relative to it
(cd "$tree" && npm run --silent bundle >/dev/null)
rm -rf "$root/dist" && cp -r "$tree/dist" "$root/dist"
git -C "$root" worktree remove --force "$tree"
