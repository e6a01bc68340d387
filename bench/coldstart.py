"""Cold start, run in a fresh process: `python -m bench.coldstart MART STARTED_AT` renders the overview under
AppTest and prints, as JSON, the seconds from STARTED_AT (the parent's clock just before it started this
process) to the rendered overview, and how long the imports took."""
from __future__ import annotations

import json
import os
import sys
import time


def main(argv: list[str]) -> int:
    mart, started_at = argv[0], float(argv[1])
    os.environ["CRM_MART"] = mart
    imports_from = time.perf_counter()
    from streamlit.testing.v1 import AppTest

    from mart.paths import ROOT

    harness_import_s = time.perf_counter() - imports_from
    run_from = time.perf_counter()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=900).run()
    rendered_at = time.time()
    print(json.dumps({
        "to_first_overview_s": rendered_at - started_at,
        "harness_import_s": harness_import_s,
        "first_run_s": time.perf_counter() - run_from,
        "ok": not at.exception and len(at.metric) > 0,
        "exception": "; ".join(e.value for e in at.exception) or None,
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
