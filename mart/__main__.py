"""Command line: `python -m mart generate ...` builds the demo mart, `python -m mart load ...` a user's data."""
from __future__ import annotations

import argparse
import sys

from mart.paths import mart_path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mart", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    gen = commands.add_parser("generate", help="build the demo mart from generated data")
    gen.add_argument("--scale", choices=["s", "m", "l"], default="m")
    gen.add_argument("--seed", type=int, default=7)
    gen.add_argument("--db", default=None, help="mart file (default: $CRM_MART or data/mart.duckdb)")
    gen.add_argument("--quiet", action="store_true", help="no progress lines")

    load = commands.add_parser("load", help="build the mart from <table>.csv / <table>.parquet exports")
    load.add_argument("src_dir")
    load.add_argument("--db", default=None, help="mart file (default: $CRM_MART or data/mart.duckdb)")

    args = parser.parse_args(argv)
    db = args.db or str(mart_path())
    if args.command == "generate":
        from mart.generate import generate

        generate(db, scale=args.scale, seed=args.seed, progress=not args.quiet)
        return 0
    from mart.load import LoadError, load

    try:
        result = load(args.src_dir, db)
    except LoadError as error:
        print(f"load failed: {error}", file=sys.stderr)
        return 2
    print(result.summary())
    return 0


if __name__ == "__main__":
    sys.exit(main())
