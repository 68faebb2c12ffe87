#!/usr/bin/env bash
# Trunk post_build hook: writes the build's file list and version into the staged sw.js
# (www/sw.js), so the service worker precaches exactly this build and a new build is a new
# version. BUILD = the first 16 hex digits of a SHA-256 over every staged file but sw.js.
set -euo pipefail
stage="${TRUNK_STAGING_DIR:?run by trunk as a post_build hook}"
cd "$stage"
[[ -f sw.js ]] || exit 0
files=$(find . -type f ! -name sw.js | sed 's|^\./||' | LC_ALL=C sort)
build=$(for f in $files; do sha256sum "$f"; done | sha256sum | cut -c1-16)
list=$(for f in $files; do printf "'%s'," "$f"; done)
sed -i -e "s|__ANNLAB_BUILD__|${build}|" -e "s|/\*__ANNLAB_FILES__\*/|${list%,}|" sw.js
echo "sw-manifest: build ${build}, $(echo "$files" | wc -l) files"
