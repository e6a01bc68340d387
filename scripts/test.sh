#!/usr/bin/env bash
# Install what the tests need (Python packages and Debian's Chromium for the browser tests) and run them all.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "The browser tests need Debian's chromium: run 'sudo apt-get install chromium' first." >&2
    exit 1
  fi
fi
python3 -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
exec python3 -m pytest "$@"
