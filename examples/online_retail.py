"""Turn the UCI Online Retail data set into files that meet the mart's input contract, with no cleaning.

    python examples/online_retail.py OUT_DIR [--source PATH]
    python -m mart load OUT_DIR --db data/online_retail.duckdb

writes OUT_DIR/customers.parquet, products.parquet and sales.parquet from ../shared/realdata/online_retail.parquet
(541,909 invoice lines of a UK online retailer, 2010-12-01 to 2011-12-09; see its README).

Only what a user must do to meet docs/input-contract.md: rename, and derive the few required values the
export does not have. Everything messy stays in, so the loader's checks are what deal with it:
- sales: one row per invoice line. sale_id = the line's position in the file (1-based), customer_id =
  CustomerID (empty on 135,080 lines), product_id = StockCode, sold_on = the date of InvoiceDate, quantity =
  Quantity, revenue = Quantity x UnitPrice (negative for cancellations and bad-debt adjustments).
  dealer_id stays empty: these are HQ's online sales, which the schema records without a dealer. No dealers file.
- customers: one row per CustomerID; created_on = the date of the customer's first invoice line. No
  customer_type: the export does not say, so the mart records it as unknown rather than inventing one.
- products: one row per StockCode; product_name = its first non-empty Description; list_price left empty.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import polars as pl

DEFAULT_SOURCE = Path(__file__).resolve().parents[2] / "shared" / "realdata" / "online_retail.parquet"


def convert(source: Path, out_dir: Path) -> dict[str, int]:
    """Write the three contract files; return their row counts."""
    out_dir.mkdir(parents=True, exist_ok=True)
    lines = pl.read_parquet(source).with_row_index("sale_id", offset=1)

    sales = lines.select(
        pl.col("sale_id").cast(pl.Int64),
        pl.col("CustomerID").cast(pl.Int64).alias("customer_id"),
        pl.col("StockCode").alias("product_id"),
        pl.col("InvoiceDate").dt.date().alias("sold_on"),
        pl.col("Quantity").alias("quantity"),
        (pl.col("Quantity") * pl.col("UnitPrice")).alias("revenue"),
    )
    customers = (
        lines.filter(pl.col("CustomerID").is_not_null())
        .group_by("CustomerID")
        .agg(pl.col("InvoiceDate").min().dt.date().alias("created_on"))
        .select(
            pl.col("CustomerID").cast(pl.Int64).alias("customer_id"),
            "created_on",
        )
        .sort("customer_id")
    )
    products = (
        lines.group_by("StockCode", maintain_order=True)
        .agg(pl.col("Description").drop_nulls().first().alias("product_name"))
        .rename({"StockCode": "product_id"})
    )
    counts = {}
    for name, frame in (("customers", customers), ("products", products), ("sales", sales)):
        frame.write_parquet(out_dir / f"{name}.parquet")
        counts[name] = frame.height
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE)
    args = parser.parse_args(argv)
    if not args.source.exists():
        print(f"no {args.source}: pass --source PATH", file=sys.stderr)
        return 1
    for name, count in convert(args.source, args.out_dir).items():
        print(f"{args.out_dir / (name + '.parquet')}: {count:,} rows")
    return 0


if __name__ == "__main__":
    sys.exit(main())
