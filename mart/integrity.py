"""The finished mart's key rules, checked in SQL: every key unique and present, every foreign key resolved
(and every event key: a follow-up call's follows_id in the table its call_type names).

mart/build.py creates the tables without enforced constraints (see mart/schema.sql); the loader and the
generator check keys row by row, and this is the last word before a build is swapped in.
"""
from __future__ import annotations

import duckdb

from mart.contract import contract


class IntegrityError(RuntimeError):
    pass


def problems(con: duckdb.DuckDBPyConnection) -> list[str]:
    """What breaks the declared keys, one line each (empty when the mart is sound).

    A foreign key to an empty table is not checked: a load without that table keeps the values as they are.
    """
    found = []
    for table in contract().values():
        keys = ", ".join(table.key)
        present = " and ".join(f"{k} is not null" for k in table.key)
        (dupes, empty) = con.execute(
            f"select (select count(*) from (select {keys} from {table.name} where {present} "
            f"group by all having count(*) > 1)), "
            f"(select count(*) from {table.name} where not ({present}))"
        ).fetchone()
        if dupes:
            found.append(f"{table.name}: {dupes} duplicated key value(s) of ({keys})")
        if empty:
            found.append(f"{table.name}: {empty} row(s) without a key")
        for fk in table.foreign_keys:
            if not con.execute(f"select exists (select 1 from {fk.table})").fetchone()[0]:
                continue
            (orphans,) = con.execute(
                f"select count(*) from {table.name} t where t.{fk.column} is not null and not exists "
                f"(select 1 from {fk.table} p where p.{fk.ref_column} = t.{fk.column})"
            ).fetchone()
            if orphans:
                found.append(f"{table.name}.{fk.column}: {orphans} value(s) not in {fk.table}.{fk.ref_column}")
        for ek in table.event_keys:
            for value, parent, ref in ek.tables:
                if not con.execute(f"select exists (select 1 from {parent})").fetchone()[0]:
                    continue
                (orphans,) = con.execute(
                    f"select count(*) from {table.name} t where t.{ek.column} is not null and t.{ek.by} = $v "
                    f"and not exists (select 1 from {parent} p where p.{ref} = t.{ek.column})",
                    {"v": value},
                ).fetchone()
                if orphans:
                    found.append(f"{table.name}.{ek.column}: {orphans} value(s) of {ek.by} = {value} not in {parent}.{ref}")
    return found


def check(con: duckdb.DuckDBPyConnection) -> None:
    found = problems(con)
    if found:
        raise IntegrityError("the built mart breaks its keys: " + "; ".join(found))
