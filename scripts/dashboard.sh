#!/usr/bin/env bash
# Install what the dashboard needs, build the demo mart on first run, and serve the dashboard.
# It listens on 127.0.0.1 only (.streamlit/config.toml); to serve a network, pass --server.address 0.0.0.0 (or the
# machine's address) behind your company's TLS proxy. A company's own mart needs sign-in (docs/access.md) or,
# explicitly, --no-auth: everyone who reaches the server then sees all data.
set -euo pipefail
cd "$(dirname "$0")/.."
args=()
for arg in "$@"; do
  if [ "$arg" = "--no-auth" ]; then export CRM_NO_AUTH=1; else args+=("$arg"); fi
done
python3 -m pip install --quiet --disable-pip-version-check -r requirements.txt
mart="${CRM_MART:-data/mart.duckdb}"
if [ ! -f "$mart" ]; then
  echo "No mart at $mart yet: generating the demo mart (scale m, about a minute)."
  python3 -m mart generate --scale m --seed 7 --db "$mart"
fi
exec python3 -m streamlit run app.py --server.headless true ${args[@]+"${args[@]}"}
