"""Command line: `python -m mart generate ...` builds the demo mart, `python -m mart load ...` a user's data
(`--append` adds a later export to it), `python -m mart export --parquet DIR` writes it out as Parquet for Spark,
`python -m mart spark-rollups DIR` builds the views and rollups of such an export with Spark from its base tables."""
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

    load = commands.add_parser("load", help="build the mart from <table>.csv / .parquet / .xlsx exports")
    load.add_argument("src_dir")
    load.add_argument("--db", default=None, help="mart file (default: $CRM_MART or data/mart.duckdb)")
    load.add_argument("--append", action="store_true",
                      help="add the files' rows to the current mart (a row with an existing key replaces it)")
    load.add_argument("--encoding", default=None,
                      help="the CSV files' encoding (default: detected, UTF-8 or GB18030), e.g. gbk, utf-8")
    load.add_argument("--codes", default=None, metavar="FILE",
                      help="your own everyday spellings of the allowed values (TOML, as mart/value_codes.toml)")
    load.add_argument("--max-rejected-share", type=float, default=None, metavar="SHARE",
                      help="refuse the load when more than this share of a table's rows is rejected (default 0.5)")
    load.add_argument("--accept-losses", action="store_true",
                      help="load even when no customer loads or more than the allowed share of a table is rejected")

    export = commands.add_parser("export", help="write every table, view and rollup as Parquet (for Spark)")
    export.add_argument("--parquet", required=True, metavar="DIR",
                        help="the export folder (replaced): one folder per table, facts by year and month, manifest.json")
    export.add_argument("--db", default=None, help="mart file (default: $CRM_MART or data/mart.duckdb)")
    export.add_argument("--base-only", action="store_true",
                        help="mart/schema.sql's tables only, no view or rollup (for `spark-rollups` to build)")

    rollups = commands.add_parser("spark-rollups",
                                  help="build the views and rollups of a Parquet export with Spark, from its base tables")
    rollups.add_argument("export_dir", help="the export folder (python -m mart export --parquet DIR): written in place")
    rollups.add_argument("--master", default="spark",
                         help="spark (local, 2 cores; the default), spark://HOST:7077 (a cluster), sc://HOST:15002")

    args = parser.parse_args(argv)
    if args.command == "spark-rollups":
        import time

        from mart.spark_rollups import RollupBuildError, build_rollups_on_spark
        from queries.spark_engine import session_builder

        started = time.perf_counter()
        spark = session_builder(args.master).getOrCreate()
        try:
            build_rollups_on_spark(args.export_dir, spark)
        except RollupBuildError as error:
            print(f"spark-rollups failed: {error}", file=sys.stderr)
            return 2
        print(f"built the views and rollups of {args.export_dir} on Spark in {time.perf_counter() - started:.1f} s")
        return 0
    db = args.db or str(mart_path())
    if args.command == "export":
        import time

        from mart.export import export_parquet

        started = time.perf_counter()
        manifest = export_parquet(db, args.parquet, base_only=args.base_only)
        rows = sum(t["rows"] for t in manifest["tables"].values())
        print(f"exported {len(manifest['tables'])} tables, {rows:,} rows to {args.parquet} "
              f"in {time.perf_counter() - started:.1f} s")
        return 0
    if args.command == "generate":
        from mart.generate import generate

        generate(db, scale=args.scale, seed=args.seed, progress=not args.quiet)
        return 0
    from mart.load import DEFAULT_MAX_REJECTED_SHARE, LoadError, load

    share = DEFAULT_MAX_REJECTED_SHARE if args.max_rejected_share is None else args.max_rejected_share
    try:
        result = load(args.src_dir, db, append=args.append, encoding=args.encoding, codes=args.codes,
                      max_rejected_share=share, accept_losses=args.accept_losses)
    except LoadError as error:
        print(f"load failed: {error}", file=sys.stderr)
        return 2
    print(result.summary())
    return 0


if __name__ == "__main__":
    sys.exit(main())
