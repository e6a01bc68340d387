"""The datasets of queries/ on Apache Spark: the same SQL files, translated, over the mart's Parquet export.

One source of truth: each dataset's DuckDB SQL is translated when first run, never kept as a second copy.
1. The macros of scope.sql and metrics.sql are expanded into the query (a table macro becomes a subquery with its
   arguments substituted, a scalar macro a parenthesised expression), since Spark has no macros.
2. sqlglot transpiles the result from DuckDB's dialect to Spark's; where its output is wrong for Spark, or Spark
   means something else by the same words, a rule below rewrites the tree (each rule says what it fixes).
3. The parameters stay bound: `$start_on` becomes Spark's named parameter `:start_on`, and a field of the STRUCT
   parameters (`$scope['regions']`) a parameter of its own (`:scope__regions`), cast to its type, whose value is
   taken from the one scope value queries/access.py builds (see spark_args).

The mart's tables are the export of `python -m mart export --parquet DIR` (mart/export.py), registered as
temporary views of the session. queries.runner chooses this engine from the setting CRM_ENGINE.
"""
from __future__ import annotations

import itertools
import json
import os
import re
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import polars as pl
import sqlglot
from sqlglot import exp
from sqlglot.optimizer.annotate_types import annotate_types
from sqlglot.optimizer.qualify import qualify
from sqlglot.optimizer.qualify_columns import qualify_columns
from sqlglot.optimizer.qualify_tables import qualify_tables

from mart.export import MANIFEST, export_parquet, is_current, read_manifest
from mart.paths import SCHEMA_SQL

SQL_DIR = Path(__file__).resolve().parent
SHARED_SQL = ("scope.sql", "metrics.sql")
# The fields of the STRUCT parameters $scope / $reach (queries/access.py) and their Spark types.
SCOPE_PARAMS = ("scope", "reach")
SCOPE_FIELDS = {
    "regions": "array<string>", "provinces": "array<string>", "dealer_ids": "array<string>",
    "product_ids": "array<string>", "customer_types": "array<string>", "channels": "array<string>",
    "region": "string", "province": "string", "dealer_id": "string", "is_everything": "boolean",
}
SEP = "__"  # $scope['regions'] -> :scope__regions


class TranslationError(RuntimeError):
    """A dataset's SQL could not be translated to Spark SQL."""


# ---------------------------------------------------------------------------------------------------------------
# 1. Macros
# ---------------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Macro:
    name: str
    params: tuple[str, ...]
    body: exp.Expression
    is_table: bool


_MACRO = re.compile(
    r"create\s+or\s+replace\s+temp\s+macro\s+(\w+)\s*\(([^)]*)\)\s+as\s+(table\s+)?(.*?);\s*(?=create\s|\Z)",
    flags=re.I | re.S,
)


@lru_cache(maxsize=None)
def macros() -> dict[str, Macro]:
    """Every macro of the shared SQL files, parsed (DuckDB dialect)."""
    found: dict[str, Macro] = {}
    for file in SHARED_SQL:
        text = _strip_comments((SQL_DIR / file).read_text())
        for name, params, is_table, body in _MACRO.findall(text):
            names = tuple(p.strip() for p in params.split(",") if p.strip())
            found[name.lower()] = Macro(name.lower(), names, sqlglot.parse_one(body, read="duckdb"), bool(is_table))
    return found


def _macro_call(node: exp.Expression) -> tuple[Macro, list[exp.Expression]] | None:
    if isinstance(node, exp.Anonymous):
        macro = macros().get(node.name.lower())
        if macro is not None:
            return macro, list(node.expressions)
    return None


_expansions = itertools.count(1)


def _substitute(macro: Macro, args: list[exp.Expression]) -> exp.Expression:
    if len(args) != len(macro.params):
        raise TranslationError(f"{macro.name} takes {len(macro.params)} arguments, was given {len(args)}")
    body = _own_cte_names(macro.body.copy(), f"{macro.name}_{next(_expansions)}")
    values = dict(zip(macro.params, args))
    # Collected before replacing, so an argument that names a column like a parameter is never substituted again.
    for column in list(body.find_all(exp.Column)):
        if not column.table and column.name in values:
            arg = values[column.name].copy()
            column.replace(arg if isinstance(arg, (exp.Column, exp.Literal, exp.Placeholder)) else exp.paren(arg))
    return body


def _own_cte_names(body: exp.Expression, prefix: str) -> exp.Expression:
    """A table macro's CTEs renamed for this expansion: sqlglot lifts every CTE to the query's top for Spark, where
    two expansions of one macro (or a dataset's CTE named like a macro's) would collide."""
    renamed = {}
    for cte in body.find_all(exp.CTE):
        renamed[cte.alias_or_name] = f"{prefix}_{cte.alias_or_name}"
        cte.set("alias", exp.TableAlias(this=exp.to_identifier(renamed[cte.alias_or_name])))
    if renamed:
        for table in body.find_all(exp.Table):
            if not table.db and table.name in renamed:
                alias = table.alias or table.name
                table.set("this", exp.to_identifier(renamed[table.name]))
                table.set("alias", exp.TableAlias(this=exp.to_identifier(alias)))
    return body


def _sources(select: exp.Select) -> set[str]:
    return {t.alias_or_name for t in select.find_all(exp.Table, exp.Subquery) if t.parent_select is select}


def _one_level_outer(select: exp.Expression) -> exp.Expression:
    """Spark resolves an outer column one subquery level deep only. In a lateral subquery whose WHERE says
    `inner.k = outer.k`, a deeper subquery's `outer.k` is replaced by `inner.k` (equal wherever the row is kept)."""
    if not isinstance(select, exp.Select) or not select.args.get("where"):
        return select
    inner = _sources(select)
    equal = {}
    condition = select.args["where"].this
    for conjunct in condition.flatten() if isinstance(condition, exp.And) else [condition]:
        if isinstance(conjunct, exp.EQ) and all(isinstance(x, exp.Column) for x in (conjunct.this, conjunct.expression)):
            for a, b in ((conjunct.this, conjunct.expression), (conjunct.expression, conjunct.this)):
                if a.table in inner and b.table and b.table not in inner:
                    equal[(b.table, b.name)] = a
    if not equal:
        return select
    for nested in list(select.args["where"].find_all(exp.Select)):
        for column in list(nested.find_all(exp.Column)):
            key = (column.table, column.name)
            if key in equal and column.parent_select is nested and equal[key].table not in _sources(nested):
                column.replace(equal[key].copy())
    return select


def expand_macros(tree: exp.Expression) -> exp.Expression:
    """The query with every macro call replaced by its body, until none is left."""
    for _ in range(32):
        changed = False

        def expand(node: exp.Expression) -> exp.Expression:
            nonlocal changed
            if isinstance(node, exp.Table) and isinstance(node.this, exp.Anonymous):
                call = _macro_call(node.this)
                if call and call[0].is_table:
                    changed = True
                    alias = node.args.get("alias") or exp.TableAlias(this=exp.to_identifier(call[0].name))
                    subquery = exp.Subquery(this=_substitute(*call), alias=alias.copy())
                    if any(arg.find(exp.Column) for arg in call[1]):
                        # An argument reads a column of the tables beside it (`from r, m(r.id)`): DuckDB joins such
                        # a table function laterally by itself, Spark only when told.
                        subquery = exp.Lateral(this=exp.Subquery(this=_one_level_outer(subquery.this)),
                                               alias=alias.copy())
                    return subquery
            call = _macro_call(node)
            if call:
                if call[0].is_table:
                    # A table macro used as a value (`x in (select ... from m())` is a Table; this is not).
                    raise TranslationError(f"table macro {call[0].name} used outside a FROM clause")
                changed = True
                return exp.paren(_substitute(*call))
            return node

        tree = tree.transform(expand)
        if not changed:
            return tree
    raise TranslationError("macros nest deeper than 32 levels")


# ---------------------------------------------------------------------------------------------------------------
# 2. Rules: where sqlglot's Spark output is wrong, or Spark means something else by the same words
# ---------------------------------------------------------------------------------------------------------------

def _scope_fields(tree: exp.Expression) -> exp.Expression:
    """$scope['regions'] -> cast(:scope__regions as array<string>): Spark binds no STRUCT parameter, so each field
    is a parameter of its own; the cast types a NULL (= all) as the field's type."""
    def rule(node):
        if (isinstance(node, exp.Bracket) and isinstance(node.this, exp.Placeholder)
                and node.this.name in SCOPE_PARAMS and len(node.expressions) == 1
                and isinstance(node.expressions[0], exp.Literal) and node.expressions[0].is_string):
            field = node.expressions[0].this
            if field not in SCOPE_FIELDS:
                raise TranslationError(f"${node.this.name} has no field {field!r}")
            return exp.cast(exp.Placeholder(this=f"{node.this.name}{SEP}{field}"), SCOPE_FIELDS[field], dialect="spark")
        if isinstance(node, exp.Placeholder) and node.name in SCOPE_PARAMS and not isinstance(node.parent, exp.Bracket):
            raise TranslationError(f"${node.name} is used whole; only its fields can be bound on Spark")
        return node
    return tree.transform(rule)


def _no_materialized(tree):
    """`with x as materialized (...)` is DuckDB's hint; Spark has no such keyword."""
    for cte in tree.find_all(exp.CTE):
        cte.set("materialized", None)
    return tree


def _true_division(tree):
    """DuckDB's `/` divides integers and DECIMALs as DOUBLE; Spark divides DECIMALs as DECIMAL, rounded to a
    few places (100.0 * 7 / 9 = 77.777778). The dividend is cast to double, as DuckDB does."""
    for div in list(tree.find_all(exp.Div)):
        div.set("this", exp.cast(div.this.copy(), "double"))
        div.set("typed", None)
        div.set("safe", None)
    return tree


def _avg_as_double(tree):
    """DuckDB averages DECIMALs as DOUBLE; Spark as a DECIMAL of a few more places."""
    for avg in list(tree.find_all(exp.Avg)):
        avg.set("this", exp.cast(avg.this.copy(), "double"))
    return tree


def _to_months(tree):
    """to_months(n) (an interval of n months) is make_ym_interval(0, n) in Spark."""
    def rule(node):
        if isinstance(node, exp.Anonymous) and node.name.lower() == "to_months":
            return exp.Anonymous(this="make_ym_interval", expressions=[exp.Literal.number(0), exp.cast(node.expressions[0].copy(), "int")])
        return node
    return tree.transform(rule)


def _error(tree):
    """error(message) (fail the query with this message) is raise_error(message) in Spark."""
    def rule(node):
        if isinstance(node, exp.Anonymous) and node.name.lower() == "error":
            return exp.Anonymous(this="raise_error", expressions=[e.copy() for e in node.expressions])
        return node
    return tree.transform(rule)


def _row_is_struct(tree):
    """row(a, b) (a value that orders by a, then b: arg_max(x, row(...))) is struct(a, b) in Spark."""
    def rule(node):
        if isinstance(node, exp.Anonymous) and node.name.lower() == "row":
            return exp.Struct(expressions=[e.copy() for e in node.expressions])
        return node
    return tree.transform(rule)


def _arrays_overlap(tree):
    """list_has_any(a, b): sqlglot writes `a && b`, which Spark does not read; Spark's word is arrays_overlap."""
    def rule(node):
        if isinstance(node, exp.ArrayOverlaps):
            return exp.Anonymous(this="arrays_overlap", expressions=[node.this.copy(), node.expression.copy()])
        return node
    return tree.transform(rule)


def _list_position(tree):
    """list_position(list, x) (also array_position, list_indexof) is 1-based in both engines, but a value not in the
    list is NULL in DuckDB and 0 in Spark: nullif(array_position(list, x), 0)."""
    def rule(node):
        if isinstance(node, exp.Anonymous) and node.name.lower() in ("list_position", "array_position", "list_indexof",
                                                                        "array_indexof") and len(node.expressions) == 2:
            found = exp.Anonymous(this="array_position", expressions=[e.copy() for e in node.expressions])
            return exp.Nullif(this=found, expression=exp.Literal.number(0))
        return node
    return tree.transform(rule)


def _percentile(tree):
    """quantile_cont(x, q): Spark's percentile_cont needs WITHIN GROUP; percentile(x, q) interpolates the same."""
    def rule(node):
        if isinstance(node, exp.PercentileCont) or (isinstance(node, exp.Anonymous) and node.name.lower() == "quantile_cont"):
            args = [node.this, node.expression] if isinstance(node, exp.PercentileCont) else node.expressions
            return exp.Anonymous(this="percentile", expressions=[a.copy() for a in args])
        return node
    return tree.transform(rule)


_PARTS = ("day", "week", "month", "quarter", "year", "second")


def _date_diff(tree):
    """date_diff(part, a, b) counts the part's boundaries crossed in DuckDB (one second from 0.9 s to 1.1 s);
    Spark's datediff(unit, a, b) counts whole units elapsed. Written out per part; a part given as a parameter
    ($grain) becomes a CASE over the parts."""
    def one(part: str, a, b):
        a, b = a.copy(), b.copy()
        if part == "second":
            return exp.Sub(this=exp.Anonymous(this="unix_seconds", expressions=[exp.cast(b, "timestamp")]),
                           expression=exp.Anonymous(this="unix_seconds", expressions=[exp.cast(a, "timestamp")]))
        if part in ("day", "week"):
            days = exp.Anonymous(this="datediff", expressions=[exp.cast(b, "date"), exp.cast(a, "date")])
            return days if part == "day" else exp.IntDiv(this=days, expression=exp.Literal.number(7))
        year = exp.Sub(this=exp.Year(this=b), expression=exp.Year(this=a.copy()))
        if part == "year":
            return year
        unit, per_year = (exp.Month, 12) if part == "month" else (exp.Quarter, 4)
        return exp.Add(this=exp.Mul(this=exp.paren(year), expression=exp.Literal.number(per_year)),
                       expression=exp.paren(exp.Sub(this=unit(this=b.copy()), expression=unit(this=a.copy()))))

    def rule(node):
        if isinstance(node, (exp.DateDiff, exp.TimestampDiff, exp.DatetimeDiff)):
            unit = node.args.get("unit")
            a, b = node.expression, node.this  # sqlglot: DateDiff(this=end, expression=start)
            if isinstance(unit, (exp.Var, exp.Literal)) or isinstance(unit, str):
                part = (unit if isinstance(unit, str) else unit.name).lower()
                if part not in _PARTS:
                    raise TranslationError(f"date_diff by {part!r} has no Spark rule")
                return exp.paren(one(part, a, b))
            # a part chosen at run time
            case = exp.Case(this=unit.copy())
            for part in _PARTS:
                case = case.when(exp.Literal.string(part), one(part, a, b))
            return case
        return node
    return tree.transform(rule)


def _range_args(fn) -> list | None:
    """The (start, end-exclusive) of range(a, b) / range(b), or None for another function."""
    if isinstance(fn, exp.Anonymous) and fn.name.lower() == "range":
        args = list(fn.expressions)
    elif isinstance(fn, exp.GenerateSeries) and fn.args.get("is_end_exclusive"):
        args = [fn.args["start"], fn.args["end"]] + ([fn.args["step"]] if fn.args.get("step") else [])
    else:
        return None
    if len(args) == 1:
        args = [exp.Literal.number(0), args[0]]
    return [a.copy() for a in args]


def _ranges(tree):
    """range(a, b) in FROM (DuckDB: a table of a .. b-1 in a column named range): sqlglot writes a bare explode
    and loses the alias. A range joined beside other tables may read their columns (lateral), so it becomes a
    lateral view of explode(sequence(a, b - 1)); a range alone in FROM, a subquery of the same."""
    def sequence(args):
        if len(args) == 2:
            return exp.Anonymous(this="sequence", expressions=[args[0], exp.paren(exp.Sub(this=args[1], expression=exp.Literal.number(1)))])
        # range(a, b, step) of dates: Spark's sequence includes its end, so the end is filtered out
        below_end = exp.Lambda(this=exp.LT(this=exp.column("_v"), expression=args[1].copy()), expressions=[exp.to_identifier("_v")])
        return exp.Anonymous(this="filter", expressions=[exp.Anonymous(this="sequence", expressions=args), below_end])

    for select in list(tree.find_all(exp.Select)):
        for join in list(select.args.get("joins") or []):
            table = join.this
            args = isinstance(table, exp.Table) and _range_args(table.this)
            if not args:
                continue
            if join.args.get("on") or join.args.get("using") or join.side:
                raise TranslationError("a range joined on a condition has no Spark rule")
            alias = table.args.get("alias")
            column = alias.columns[0].name if alias and alias.columns else "range"
            view = exp.Lateral(this=exp.Explode(this=sequence(args)), view=True, outer=False,
                               alias=exp.TableAlias(this=exp.to_identifier(alias.name if alias else "range"),
                                                    columns=[exp.to_identifier(column)]))
            join.pop()
            select.append("laterals", view)

    def rule(node):
        if isinstance(node, exp.Table):
            args = _range_args(node.this)
            if args:
                alias = node.args.get("alias")
                column = alias.columns[0].name if alias and alias.columns else "range"
                return exp.select(exp.alias_(exp.Explode(this=sequence(args)), column)).subquery(alias.name if alias else "range")
        return node
    return tree.transform(rule)


def _generator_casts(tree):
    """unnest(generate_series(...))::date: Spark allows no generator inside an expression, so the cast moves to
    the array: explode(cast(sequence(...) as array<date>))."""
    def rule(node):
        if isinstance(node, exp.Cast) and isinstance(node.this, (exp.Explode, exp.Unnest)):
            gen = node.this
            inner = gen.this if isinstance(gen, exp.Explode) else gen.expressions[0]
            to = exp.DataType.build(f"array<{node.to.sql('spark')}>", dialect="spark")
            return exp.Explode(this=exp.Cast(this=inner.copy(), to=to))
        return node
    return tree.transform(rule)


def _unnest_structs(tree):
    """unnest([{...}, ...], recursive := true) in a select list: one row per element and one column per field,
    which is Spark's inline(...) (sqlglot keeps the DuckDB keyword argument)."""
    def rule(node):
        if isinstance(node, (exp.Explode, exp.Unnest)) and any(
                isinstance(e, (exp.PropertyEQ, exp.Kwarg)) and e.this.name.lower() == "recursive" for e in node.expressions):
            array = node.this if isinstance(node, exp.Explode) else node.expressions[0]
            return exp.Inline(this=array.copy())
        return node
    return tree.transform(rule)


def _lateral_values(tree):
    """cross join lateral (values (k.a, 'x'), (k.b, 'y')) as step(c1, c2): Spark evaluates no outer column in an
    inline table; the rows become a lateral view of inline(array(named_struct(...), ...))."""
    for select in list(tree.find_all(exp.Select)):
        for join in list(select.args.get("joins") or []):
            lateral = join.this
            if not (isinstance(lateral, exp.Lateral) and isinstance(lateral.this, exp.Subquery)
                    and isinstance(lateral.this.this, exp.Values)):
                continue
            if join.args.get("on") or join.args.get("using") or join.side:
                raise TranslationError("a lateral VALUES join with a condition has no Spark rule")
            names = [c.name for c in lateral.args["alias"].columns]
            rows = []
            for row in lateral.this.this.expressions:
                fields = []
                for name, value in zip(names, row.expressions):
                    fields += [exp.Literal.string(name), value.copy()]
                rows.append(exp.Anonymous(this="named_struct", expressions=fields))
            view = exp.Lateral(this=exp.Inline(this=exp.Array(expressions=rows)), view=True, outer=False,
                               alias=lateral.args["alias"].copy())
            join.pop()
            select.append("laterals", view)
    return tree


def _union_by_name(tree):
    """UNION [ALL] BY NAME: Spark has no BY NAME, so every branch of the chain lists the chain's columns in the order
    they first appear, a branch without one giving NULL for it, as DuckDB does (after the stars are spelled out)."""
    for union in list(tree.find_all(exp.Union)):
        if not union.args.get("by_name"):
            continue  # (a chain is rewritten from its top, which clears its lower links' BY NAME)
        branches, node = [], union
        while isinstance(node, exp.Union) and node.args.get("by_name"):
            branches.append(node.expression)
            node.set("by_name", None)
            node = node.this
        branches.append(node)
        branches.reverse()
        if not all(isinstance(b, exp.Select) and "*" not in b.named_selects for b in branches):
            raise TranslationError("UNION BY NAME over columns not known by name")
        order = list(dict.fromkeys(name for b in branches for name in b.named_selects))
        for branch in branches:
            by_name = dict(zip(branch.named_selects, branch.expressions))
            branch.set("expressions", [by_name[n].copy() if n in by_name else exp.alias_(exp.null(), n)
                                       for n in order])
    return tree


def _any_value(tree):
    """any_value(x) skips NULLs in DuckDB; Spark's does only when asked (its second argument), and Spark reads
    no IGNORE NULLS before a FILTER clause."""
    def rule(node):
        if isinstance(node, exp.AnyValue):
            return exp.Anonymous(this="any_value", expressions=[node.this.copy(), exp.true()])
        if isinstance(node, exp.IgnoreNulls) and isinstance(node.this, exp.AnyValue):
            return exp.Anonymous(this="any_value", expressions=[node.this.this.copy(), exp.true()])
        return node
    return tree.transform(rule)


_INTERVAL_FIELDS = ("year", "month", "week", "day", "hour", "minute", "second")


def _interval_choices(tree):
    """case when ... then interval 7 day else interval 1 month end: Spark's day and month intervals are types that
    one CASE cannot mix; make_interval(...) gives one calendar interval type for every branch."""
    def calendar(interval: exp.Interval):
        unit = interval.unit.name.lower().rstrip("s") if interval.unit else ""
        if unit not in _INTERVAL_FIELDS or not isinstance(interval.this, exp.Literal) or not interval.this.name.isdigit():
            raise TranslationError(f"interval {interval.sql()} has no Spark rule")
        values = [exp.Literal.number(interval.this.name if f == unit else 0) for f in _INTERVAL_FIELDS]
        return exp.Anonymous(this="make_interval", expressions=values)

    for case in list(tree.find_all(exp.Case)):
        branches = [w.args["true"] for w in case.args.get("ifs") or []] + ([case.args["default"]] if case.args.get("default") else [])
        if branches and all(isinstance(b, exp.Interval) for b in branches) and len({b.unit.name.lower() for b in branches}) > 1:
            for b in branches:
                b.replace(calendar(b))
    return tree


def _is_date(node) -> bool:
    """Whether the expression is written as a DATE: a cast to date, last_day(...), or least/greatest of such."""
    if isinstance(node, exp.Cast):
        return node.to.this == exp.DataType.Type.DATE
    if isinstance(node, exp.LastDay):
        return True
    if isinstance(node, (exp.Least, exp.Greatest)):
        return any(_is_date(a) for a in [node.this, *node.expressions])
    return isinstance(node, exp.Paren) and _is_date(node.this)


# Marks the typed pass (_typed) leaves on nodes of the tree, read by the rules after it.
DAYS_BETWEEN = "crm_days_between"  # on a Sub: both sides are DATEs
ENUM_ORDER = "crm_enum_order"  # on an Ordered: it orders by an ENUM of these values


def _date_minus_date(tree):
    """date - date is a number of days in DuckDB, an interval in Spark: datediff(a, b). Which subtractions are
    between two DATEs is known from the columns' types (_typed); without them (no schema, or a query the typing
    could not resolve), where either side is written as a DATE (a cast, last_day, least/greatest of such)."""
    typed = tree.meta.get("crm_typed", False)

    def rule(node):
        if not isinstance(node, exp.Sub):
            return node
        if typed:
            hit = node.meta.get(DAYS_BETWEEN, False)
        else:
            hit = (_is_date(node.this) or _is_date(node.expression)) and not any(
                isinstance(x, exp.Interval) for x in (node.this, node.expression))
        if hit:
            return exp.Anonymous(this="datediff", expressions=[node.this.copy(), node.expression.copy()])
        return node
    return tree.transform(rule)


@lru_cache(maxsize=None)
def enum_types() -> dict[str, tuple[str, ...]]:
    """The ENUM types of mart/schema.sql, each with its values in their declared order."""
    text = _strip_comments(SCHEMA_SQL.read_text())
    return {name.lower(): tuple(re.findall(r"'((?:[^']|'')*)'", values))
            for name, values in re.findall(r"create\s+type\s+(\w+)\s+as\s+enum\s*\(([^)]*)\)", text, flags=re.I)}


def _enum_values(datatype) -> tuple[str, ...] | None:
    """The values of an ENUM type: a named type of schema.sql (`::survey_type`) or an ENUM('a', ...) column type."""
    if not isinstance(datatype, exp.DataType):
        return None
    if datatype.this == exp.DataType.Type.USERDEFINED:
        return enum_types().get(str(datatype.args.get("kind") or "").lower())
    if datatype.this == exp.DataType.Type.ENUM:
        return tuple(e.name for e in datatype.expressions)
    return None


def _enum_position(values, node):
    """The 1-based position of the value in its ENUM's declared order: how DuckDB orders an ENUM."""
    return exp.Anonymous(this="array_position", expressions=[
        exp.Array(expressions=[exp.Literal.string(v) for v in values]), exp.cast(node, "string")])


def _enums(tree):
    """Spark has no ENUM types. enum_range(null::T) becomes the array of T's values; a cast to T in an ORDER BY,
    or an ordering by an ENUM column (_typed), orders by the value's position in T's declared order, as DuckDB
    does (not alphabetically); any other cast to T is a cast to string."""
    def rule(node):
        if isinstance(node, exp.Anonymous) and node.name.lower() == "enum_range" and len(node.expressions) == 1:
            values = _enum_values(getattr(node.expressions[0], "to", None))
            if values is None:
                raise TranslationError(f"{node.sql('duckdb')}: not an ENUM of mart/schema.sql")
            return exp.Array(expressions=[exp.Literal.string(v) for v in values])
        if isinstance(node, exp.Ordered):
            values = _enum_values(node.this.to) if isinstance(node.this, exp.Cast) else None
            if values is not None:
                node.set("this", _enum_position(values, node.this.this.copy()))
            elif node.meta.get(ENUM_ORDER):
                node.set("this", _enum_position(node.meta[ENUM_ORDER], node.this.copy()))
            return node
        if isinstance(node, exp.Cast) and _enum_values(node.to) is not None:
            if node.to.this == exp.DataType.Type.USERDEFINED:
                return exp.cast(node.this.copy(), "string")
        return node
    return tree.transform(rule)


def _typed(tree, schema):
    """Marks the nodes whose translation depends on types: a subtraction of two DATEs, an ordering by an ENUM
    column. sqlglot resolves every column (through CTEs and subqueries) to its table's column, whose type the
    export manifest gives, and infers each expression's type; this is done on a copy (qualifying rewrites the
    tree) and the marks are carried back by node. Without a schema, or when the query cannot be resolved, the
    rules fall back to what the SQL spells out."""
    if schema is None:
        return tree
    nodes = list(tree.find_all(exp.Sub, exp.Ordered))
    for i, node in enumerate(nodes):
        node.meta["crm_id"] = i
    try:
        copy = qualify(tree.copy(), schema=schema, dialect="duckdb", validate_qualify_columns=False,
                       quote_identifiers=False)
        copy = annotate_types(copy, schema=schema, dialect="duckdb")
    except Exception:  # noqa: BLE001 - sqlglot's errors when a query cannot be resolved: the syntactic rules
        return tree
    date = exp.DataType.Type.DATE
    for node in copy.find_all(exp.Sub, exp.Ordered):
        i = node.meta.get("crm_id")
        if i is None:
            continue
        if isinstance(node, exp.Sub):
            types = [getattr(side, "type", None) for side in (node.this, node.expression)]
            if all(t is not None and t.this == date for t in types):
                nodes[i].meta[DAYS_BETWEEN] = True
        else:
            values = _enum_values(getattr(node.this, "type", None))
            if values and not isinstance(node.this, exp.Cast):
                nodes[i].meta[ENUM_ORDER] = values
    tree.meta["crm_typed"] = True
    return tree


def _generators_over_aggregates(tree):
    """select unnest(generate_series(min(x), max(y))) ... group by / having: Spark evaluates no generator over
    aggregates, so the aggregate array is computed in a subquery and exploded outside it."""
    for select in list(tree.find_all(exp.Select)):
        if len(select.expressions) != 1:
            continue
        projection = select.expressions[0]
        gen = projection.this if isinstance(projection, exp.Alias) else projection
        if not (isinstance(gen, exp.Explode) and gen.this.find(exp.AggFunc)):
            continue
        inner = select.copy()
        inner.set("expressions", [exp.alias_(gen.this.copy(), "_array")])
        outer = exp.select(exp.alias_(exp.Explode(this=exp.column("_array")), projection.alias_or_name or "col")).from_(
            inner.subquery("_aggregated"))
        select.replace(outer)
    return tree


def _ordered_lists(tree):
    """list(distinct x order by x): sqlglot writes collect_list(DISTINCT x), in no order, and Spark's collect_*
    drop NULLs, which DuckDB keeps (last). It becomes array_sort(collect_set(x)) (reversed for DESC), with a NULL
    appended where the group held one. A list ordered by anything else has no rule yet."""
    def rule(node):
        if not (isinstance(node, exp.ArrayAgg) and isinstance(node.this, exp.Order)):
            return node
        values, keys = node.this.this, node.this.expressions
        if not (isinstance(values, exp.Distinct) and len(values.expressions) == 1 and len(keys) == 1
                and keys[0].this == values.expressions[0]):
            raise TranslationError(f"{node.sql('duckdb')}: only list(distinct x order by x) has a Spark rule")
        x = values.expressions[0]
        ordered = exp.Anonymous(this="array_sort", expressions=[exp.Anonymous(this="collect_set", expressions=[x.copy()])])
        if keys[0].args.get("desc"):
            ordered = exp.Anonymous(this="reverse", expressions=[ordered])
        has_null = exp.LT(this=exp.Count(this=x.copy()), expression=exp.Count(this=exp.Star()))
        return exp.If(this=has_null, true=exp.Anonymous(this="array_append", expressions=[ordered.copy(), exp.null()]),
                      false=ordered)
    return tree.transform(rule)


_FLIPPED = {exp.LT: exp.GT, exp.LTE: exp.GTE, exp.GT: exp.LT, exp.GTE: exp.LTE}


def _asof_joins(tree):
    """`from l asof [left] join r on r.k = l.k and l.a < r.b`: each row of l with the one row of r nearest to it
    (here the smallest r.b above l.a; `>` / `>=` the largest below). Spark has no ASOF join. Each distinct (l.k, l.a)
    is joined to its matches and the nearest kept by min_by / max_by of the whole r row (a struct), which is then
    joined back to l on (l.k, l.a), left or inner as the ASOF join was; r's columns keep their names."""
    for select in list(tree.find_all(exp.Select)):
        for i, join in enumerate(select.args.get("joins") or []):
            if (join.args.get("method") or "").upper() != "ASOF":
                continue
            left, right = (select.args.get("from_") or select.args.get("from")).this, join.this
            if i or not isinstance(left, exp.Table) or not isinstance(right, exp.Table) or not join.args.get("on"):
                raise TranslationError("an ASOF join is translated only as the first join, of two tables, with ON")
            l, r = left.alias_or_name, right.alias_or_name
            keys, inequality = [], None
            condition = join.args["on"]
            for part in condition.flatten() if isinstance(condition, exp.And) else [condition]:
                a, b = part.this, part.expression
                if not (isinstance(a, exp.Column) and isinstance(b, exp.Column)) or {a.table, b.table} != {l, r}:
                    raise TranslationError(f"ASOF condition {part.sql('duckdb')}: not a column of each side")
                op = type(part)
                if a.table == r:  # written r.b OP l.a: read as l.a OP' r.b
                    a, b, op = b, a, _FLIPPED.get(op, op)
                if op is exp.EQ:
                    keys.append((a.name, b.name))
                elif op in _FLIPPED and inequality is None:
                    inequality = (a.name, op, b.name)
                else:
                    raise TranslationError(f"ASOF condition {part.sql('duckdb')}: one inequality and equalities only")
            if inequality is None:
                raise TranslationError("an ASOF join without an inequality")
            a, op, b = inequality
            pairs = [*((lk, f"_asof_k{n}") for n, (lk, _) in enumerate(keys)), (a, "_asof_a")]
            distinct = exp.select(*(exp.column(lk) for lk, _ in pairs)).from_(exp.Table(this=left.this.copy(), db=left.args.get("db"))).distinct()
            on = [exp.EQ(this=exp.column(rk, "_asof_r"), expression=exp.column(lk, "_asof_l")) for lk, rk in keys]
            on.append(op(this=exp.column(a, "_asof_l"), expression=exp.column(b, "_asof_r")))
            nearest = exp.Anonymous(this="min_by" if op in (exp.LT, exp.LTE) else "max_by", expressions=[
                exp.Struct(expressions=[exp.Column(this=exp.Star(), table=exp.to_identifier("_asof_r"))]),
                exp.column(b, "_asof_r")])
            grouped = (exp.select(*(exp.alias_(exp.column(lk, "_asof_l"), name) for lk, name in pairs),
                                  exp.alias_(nearest, "_asof_row"))
                       .from_(distinct.subquery("_asof_l"))
                       .join(exp.Table(this=right.this.copy(), db=right.args.get("db"), alias=exp.TableAlias(this=exp.to_identifier("_asof_r"))),
                             on=exp.and_(*on))
                       .group_by(*(exp.column(lk, "_asof_l") for lk, _ in pairs)))
            unpacked = exp.select(*(exp.column(name) for _, name in pairs),
                                  exp.Column(this=exp.Star(), table=exp.to_identifier("_asof_row"))).from_(grouped.subquery("_asof_nearest"))
            back = exp.and_(*(exp.EQ(this=exp.column(name, r), expression=exp.column(lk, l)) for lk, name in pairs))
            join.set("this", unpacked.subquery(r))
            join.set("on", back)
            join.set("method", None)
    return tree


RULES = (_no_materialized, _enums, _scope_fields, _date_minus_date, _true_division, _avg_as_double, _row_is_struct,
         _arrays_overlap, _list_position, _percentile, _date_diff, _ranges, _generator_casts, _unnest_structs,
         _lateral_values, _any_value, _generators_over_aggregates, _interval_choices, _to_months, _error, _ordered_lists,
         _asof_joins)


# ---------------------------------------------------------------------------------------------------------------
# 3. Translation
# ---------------------------------------------------------------------------------------------------------------

def _strip_comments(sql: str) -> str:
    return re.sub(r"--[^\n]*", "", sql)


def translate(sql: str, schema: dict | None = None) -> str:
    """DuckDB SQL of a dataset (macros of the shared files allowed) -> Spark SQL with :named parameters.
    `schema` ({table: {column: type}}) lets `* exclude (...)` / `* replace (...)` be spelled out as columns."""
    tree = sqlglot.parse_one(_strip_comments(sql), read="duckdb")
    tree = _typed(expand_macros(tree), schema)
    for rule in RULES:
        tree = rule(tree)
    if schema is not None and any(s.args.get("except_") or s.args.get("except") or s.args.get("replace")
                                  for s in tree.find_all(exp.Star)):
        tree = _spell_out_stars(tree, schema)
    tree = _union_by_name(tree)
    return tree.sql(dialect="spark")


def _spell_out_stars(tree, schema):
    """`* exclude (a)` and `* replace (x as a)`: open-source Spark reads neither; with the tables' columns known,
    sqlglot spells the star out."""
    try:
        tree = qualify_tables(tree, dialect="duckdb")
        return qualify_columns(tree, schema=schema, expand_stars=True, dialect="duckdb")
    except Exception as error:  # sqlglot's own errors; named for the dataset by the caller
        raise TranslationError(f"could not spell out a star: {error}") from error


# ---------------------------------------------------------------------------------------------------------------
# 4. Running
# ---------------------------------------------------------------------------------------------------------------

def spark_args(params: dict) -> dict:
    """The runner's parameters for Spark: each field of $scope / $reach a parameter of its own."""
    args = {}
    for key, value in params.items():
        if key in SCOPE_PARAMS and isinstance(value, dict):
            for field, field_value in value.items():
                args[f"{key}{SEP}{field}"] = list(field_value) if isinstance(field_value, (list, tuple)) else field_value
        else:
            args[key] = value
    return args


def session_builder(master: str):
    """A SparkSession builder for CRM_ENGINE: 'spark' = local (2 cores), 'spark://...' a cluster, 'sc://...'
    Spark Connect."""
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.appName("crm-dashboard")
    if master.startswith("sc://"):
        return builder.remote(master)
    builder = builder.master("local[2]" if master == "spark" else master)
    return (builder
            .config("spark.ui.enabled", "false")
            .config("spark.sql.shuffle.partitions", os.environ.get("CRM_SPARK_SHUFFLE_PARTITIONS", "2"))
            .config("spark.driver.memory", os.environ.get("CRM_SPARK_DRIVER_MEMORY", "1g"))
            .config("spark.sql.session.timeZone", "UTC")
            # DuckDB's TIMESTAMP has no time zone: read Parquet timestamps as TIMESTAMP_NTZ, not shifted.
            .config("spark.sql.parquet.inferTimestampNTZ.enabled", "true")
            .config("spark.ui.showConsoleProgress", "false"))


class SparkMart:
    """The mart's Parquet export registered as temporary views of one Spark session (the process's session), with
    the datasets' translations kept once made. Used by queries.runner.run like a DuckDB Mart."""

    def __init__(self, export_dir: str | Path, master: str = "spark", session=None, cache: bool = False):
        """`cache`: keep the tables in Spark's memory once read (a small mart queried often: a test, a demo),
        instead of reading the Parquet files for every query."""
        self.path = str(export_dir)
        self.spark = session or session_builder(master).getOrCreate()
        if "://" in self.path:  # an export the cluster reads (hdfs://, s3a://): its manifest through Spark too
            self.manifest = json.loads(self.spark.read.text(f"{self.path.rstrip('/')}/{MANIFEST}", wholetext=True).first()[0])
        else:
            self.manifest = read_manifest(export_dir)
        self._lock = threading.Lock()
        self._sql: dict[str, str] = {}
        self._schema = {name: {c["name"]: _sqlglot_type(c["type"]) for c in table["columns"]}
                        for name, table in self.manifest["tables"].items()}
        for name, table in self.manifest["tables"].items():
            register_view(self.spark, f"{self.path.rstrip('/')}/{name}", name, [c["name"] for c in table["columns"]])
            if cache:
                self.spark.catalog.cacheTable(name)  # lazily: read into memory by the first query that scans it

    @classmethod
    def for_mart(cls, db_path: str | Path, master: str = "spark") -> "SparkMart":
        """The Spark mart of the DuckDB mart at db_path: its export at CRM_PARQUET (a folder or a URL the cluster
        reads), by default the folder `<mart>.parquet` beside it, exported first when missing or older than the
        mart (a URL is used as it is: export to it with `python -m mart export --parquet`)."""
        target = os.environ.get("CRM_PARQUET") or f"{db_path}.parquet"
        if "://" not in target and not is_current(target, db_path):
            export_parquet(db_path, target)
        return cls(target, master=master)

    def spark_sql(self, name: str, text: str) -> str:
        """The Spark SQL of a dataset, translated on first use."""
        with self._lock:
            if name not in self._sql:
                try:
                    self._sql[name] = translate(text, self._schema)
                except TranslationError as error:
                    raise TranslationError(f"{name}.sql: {error}") from error
                except sqlglot.errors.SqlglotError as error:
                    raise TranslationError(f"{name}.sql: {error}") from error
            return self._sql[name]

    def run(self, name: str, text: str, params: dict, time_limit_s: float | None = None) -> pl.DataFrame:
        sql = self.spark_sql(name, text)
        tag = f"crm-{name}-{threading.get_ident()}"
        timer = threading.Timer(time_limit_s, self.spark.interruptTag, args=(tag,)) if time_limit_s else None
        self.spark.addTag(tag)
        if timer:
            timer.start()
        try:
            return pl.from_arrow(self.spark.sql(sql, args=spark_args(params)).toArrow())
        finally:
            if timer:
                timer.cancel()
            self.spark.removeTag(tag)

    def close(self) -> None:
        """Drop the views (the session stays: it is the process's, and costs seconds to start)."""
        for name in self.manifest["tables"]:
            self.spark.catalog.uncacheTable(name)
            self.spark.catalog.dropTempView(name)


def register_view(spark, folder: str, name: str, columns: list[str]) -> None:
    """One exported table's folder as the session's temporary view `name`, with the table's own columns: the
    partition columns (year, month) are the export's, not the table's."""
    frame = spark.read.option("basePath", folder).parquet(folder)
    frame.select(*[f"`{c}`" for c in columns]).createOrReplaceTempView(name)


def _sqlglot_type(duckdb_type: str) -> str:
    """A column's DuckDB type as sqlglot reads it (an ENUM('a', ...) stays one: its order is DuckDB's ordering)."""
    return duckdb_type
