#!/usr/bin/env bash
# Makes (once) DIR/.venv, installs DIR/requirements.txt into it and prints its python, for the
# Python test stages:   py="$(bash scripts/test-venv.sh DIR)"
set -euo pipefail

dir="$1"
venv="$dir/.venv"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv" >&2
fi
"$venv/bin/pip" install --quiet --disable-pip-version-check -r "$dir/requirements.txt" >&2
echo "$venv/bin/python"
