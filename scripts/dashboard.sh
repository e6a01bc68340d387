#!/usr/bin/env bash
# Install what the dashboard needs, build the demo mart on first run, and serve the dashboard.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m pip install --quiet --disable-pip-version-check -r requirements.txt
mart="${CRM_MART:-data/mart.duckdb}"
if [ ! -f "$mart" ]; then
  echo "No mart at $mart yet: generating the demo mart (scale m, about a minute)."
  python3 -m mart generate --scale m --seed 7 --db "$mart"
fi
exec python3 -m streamlit run app.py --server.headless true "$@"
