#!/usr/bin/env bash
# Install what the tests need (Python packages and Debian's Chromium for the browser tests) and run them all.
set -euo pipefail
cd "$(dirname "$0")/.."
# Debian's chromium for the browser tests, and CJK and emoji fonts so that its screenshots show Chinese, not boxes.
if [ ! -x /usr/bin/chromium ] || [ ! -d /usr/share/fonts/opentype/noto ] || [ ! -f /usr/share/fonts/truetype/noto/NotoColorEmoji.ttf ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk fonts-noto-color-emoji >/dev/null
  else
    echo "The browser tests need Debian's chromium and fonts: run 'sudo apt-get install chromium fonts-noto-cjk fonts-noto-color-emoji' first." >&2
    exit 1
  fi
fi
# The Spark parity test (tests/test_spark_parity.py, marker spark) runs PySpark, which needs Java 17 or later.
if ! command -v java >/dev/null; then
  echo "The Spark parity test needs Java 17: install a JDK (Debian: openjdk-17-jre-headless) first." >&2
  exit 1
fi
python3 -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
exec python3 -m pytest "$@"
