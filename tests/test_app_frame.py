"""The real app under AppTest: every page renders, with and without filters, showing the computed numbers."""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import polars as pl

from dashboard.metrics import format_metric
from queries.filters import Filters
from tests.apptest import APP, chart, metric_value, new_app, open_app
from tests.independent import frame as independent

PAGES = ["views/overview.py", "views/dealer_scorecard.py", "views/data_quality.py"]








def test_overview_shows_the_kpis_of_the_default_period(app_env, tables, as_of):
    at = new_app().run()
    assert not at.exception
    f = Filters(start_on=as_of - timedelta(days=364), end_on=as_of)
    want = independent.kpis(tables, f)
    assert metric_value(at, "Units sold") == format_metric("units", want["units"])
    assert metric_value(at, "Sales revenue") == format_metric("sales_revenue", want["sales_revenue"])
    assert metric_value(at, "Service revenue") == format_metric("service_revenue", want["service_revenue"])
    assert metric_value(at, "Active customers") == format_metric("active_customers", want["active_customers"])
    assert metric_value(at, "NPS") == format_metric("nps", want["nps"])
    assert metric_value(at, f"NPS (n={want['count_nps_responses']:,})")
    assert metric_value(at, "Complaint backlog") == format_metric("complaint_backlog", want["complaint_backlog"])


def test_region_filter_changes_the_numbers_and_cascades(app_env, tables, as_of):
    at = new_app().run()
    region = tables["dealers"].sort("dealer_id")["region"][0]
    at.selectbox(key="region").select(region).run()
    assert not at.exception
    f = Filters(start_on=as_of - timedelta(days=364), end_on=as_of, region=region)
    want = independent.kpis(tables, f)
    assert metric_value(at, "Units sold") == format_metric("units", want["units"])
    provinces = set(tables["dealers"].filter(pl.col("region") == region)["province"])
    assert set(at.selectbox(key="province").options) == provinces


def test_the_sales_by_area_legend_names_its_bars_in_the_readers_language(app_env, tables, as_of):
    """Each bar's kind in the legend is a label ("Region", "HQ direct"; 大区, 总部直销), never the SQL's code."""
    f = Filters(start_on=as_of - timedelta(days=364), end_on=as_of)
    has_hq = tables["sales"].filter(pl.col("sold_on").is_between(f.start_on, f.end_on) & pl.col("dealer_id").is_null()).height > 0
    assert has_hq   # the HQ bar is there to be named
    for lang, title, want in [("en", "Sales revenue by region", ["Region", "HQ direct"]),
                              ("zh", "按大区的销售收入", ["大区", "总部直销"])]:
        spec = chart(open_app(lang=lang), title)
        assert [trace["name"] for trace in spec["data"]] == want, lang


def test_every_page_renders_with_and_without_filters(app_env, tables):
    region = tables["dealers"].sort("dealer_id")["region"][0]
    for page in PAGES:
        at = new_app().run()
        at.switch_page(page).run()
        assert not at.exception, page
        at.selectbox(key="region").select(region).run()
        assert not at.exception, page
        at.multiselect(key="segment").select("fleet").run()
        assert not at.exception, page


def test_a_link_with_filters_opens_that_view(app_env, tables, as_of):
    region = tables["dealers"].sort("dealer_id")["region"][0]
    at = new_app({"region": region, "segment": "fleet"}).run()
    assert not at.exception
    assert at.selectbox(key="region").value == region
    f = Filters(start_on=as_of - timedelta(days=364), end_on=as_of, region=region, customer_types=("fleet",))
    assert metric_value(at, "Units sold") == format_metric("units", independent.kpis(tables, f)["units"])


def test_invalid_link_values_are_dropped_with_a_notice(app_env):
    at = new_app({"region": "Atlantis", "channel": "carrier_pigeon"}).run()
    assert not at.exception
    notices = " ".join(w.value for w in at.warning)
    assert "Atlantis" in notices and "carrier_pigeon" in notices
    assert at.selectbox(key="region").value is None


def test_drill_down_reaches_a_dealers_customers(app_env, tables, as_of):
    at = new_app().run()
    region = tables["dealers"].sort("dealer_id")["region"][0]
    at.selectbox(key="drill_choice").select(region).run()
    assert at.selectbox(key="region").value == region
    province = at.selectbox(key="drill_choice").options[0]
    at.selectbox(key="drill_choice").select(province).run()
    assert at.selectbox(key="province").value == province
    # At dealer level the drill box offers dealers by id.
    drill = at.selectbox(key="drill_choice")
    at.selectbox(key="drill_choice").set_value(drill.options and str(_first_dealer(tables, region, province))).run()
    assert not at.exception
    assert at.selectbox(key="dealer").value is not None
    assert any("Customers of" in md.value for md in at.markdown)
    # The breadcrumb steps back up to all regions.
    at.button(key="crumb_0").click().run()
    assert at.selectbox(key="region").value is None


def _first_dealer(tables, region, province):
    d = tables["dealers"].filter((pl.col("region") == region) & (pl.col("province") == province))
    sold = tables["sales"].group_by("dealer_id").len()
    d = d.join(sold, on="dealer_id", how="left").sort(["len", "dealer_id"], descending=[True, False], nulls_last=True)
    return d["dealer_id"][0]


def test_scorecard_ranks_and_flags_small_samples(app_env):
    at = new_app().run()
    at.switch_page("views/dealer_scorecard.py").run()
    at.selectbox(key="rank_by").select("nps").run()
    assert not at.exception
    assert any("not ranked" in c.value for c in at.caption)
    table = at.dataframe[0].value
    # A column with empty cells is shown as text, its empty cells as "—" (dashboard/tables.py): a small sample's rank.
    unranked = table["rank"].isna() | (table["rank"] == "—")
    ranks = [int(r) for r in table[~unranked]["rank"]]
    assert ranks == list(range(1, len(ranks) + 1))
    assert unranked[table["is_small_sample"]].all() and not unranked[~table["is_small_sample"]].any()


def test_a_filter_that_selects_nothing_shows_a_message_and_the_rest_still_works(app_env, tables):
    """A product before its launch has no sales: the charts say so, the tiles show dashes, nothing fails."""
    newest = tables["products"].drop_nulls("launched_on").sort("launched_on")[-1]
    launched = newest["launched_on"][0]
    at = new_app({"product": newest["product_name"][0]}).run()
    first = at.date_input(key="period").min
    at.date_input(key="period").set_value((first, launched - timedelta(days=1))).run()
    assert not at.exception
    assert any("No sales" in i.value for i in at.info)
    assert metric_value(at, "Units sold") == "—"
    assert metric_value(at, "Complaint backlog") is not None


def test_data_quality_lists_every_table(app_env, tables):
    at = new_app().run()
    at.switch_page("views/data_quality.py").run()
    assert not at.exception
    shown = at.dataframe[0].value
    for name in ("customers", "sales", "complaints"):
        assert int(shown[shown["table_name"] == name]["count_rows"].iloc[0]) == tables[name].height


def test_a_mart_from_an_older_version_gets_a_rebuild_message(tmp_path, monkeypatch):
    """A mart built before the rollups existed used to crash the frame before navigation was drawn."""
    import duckdb

    old = tmp_path / "old.duckdb"
    con = duckdb.connect(str(old))
    con.execute(open(Path(APP).parent / "mart" / "schema.sql").read())
    con.execute("insert into mart_info (built_at, source, scale, seed, as_of_on) values (now(), 'demo', 's', 7, date '2026-11-30')")
    con.close()
    monkeypatch.setenv("CRM_MART", str(old))
    at = new_app().run()
    assert not at.exception
    assert "older version" in at.error[0].value and f"python -m mart generate --db {old}" in at.error[0].value
    assert "sales_months" in at.error[0].value   # what it lacks, named
    # ... and in the reader's language
    zh = new_app()
    zh.query_params["lang"] = "zh"
    zh.run()
    assert not zh.exception
    assert "旧版本" in zh.error[0].value and f"python -m mart generate --db {old}" in zh.error[0].value


def test_a_missing_mart_says_how_to_build_one(tmp_path, monkeypatch):
    monkeypatch.setenv("CRM_MART", str(tmp_path / "nothing.duckdb"))
    at = new_app().run()
    assert not at.exception
    assert "python -m mart generate" in at.error[0].value and "nothing.duckdb" in at.error[0].value
    zh = new_app()
    zh.query_params["lang"] = "zh"
    zh.run()
    assert "没有数据集市" in zh.error[0].value and "python -m mart generate" in zh.error[0].value


def test_bad_link_values_are_named_shortened_and_replaced_by_a_stated_default(app_env, as_of):
    """A region nobody has, a 5,000-character value and a period outside the data: each is named in one warning,
    long values cut to 40 characters, and the page shows the default instead (the period: the last twelve months)."""
    at = new_app({"region": "x" * 5000, "period": f"1999-01-01,{as_of:%Y-%m-%d}"}).run()
    assert not at.exception
    [warning] = [w.value for w in at.warning]
    assert warning.startswith("Some values in the link were ignored: region `" + "x" * 39 + "…` is not one of")
    assert "x" * 41 not in warning and len(warning) < 400
    assert "period `1999-01-01` is outside the data (" in warning and "the last twelve months are shown" in warning
    start, end = at.date_input(key="period").value
    assert (start, end) == (as_of - timedelta(days=364), as_of)


def test_the_scorecard_ranks_by_target_attainment_within_a_region(app_env, tables, as_of):
    """Issue 14: the attainment measure ranks a region's dealers, its yardsticks the region's and the nation's sums."""
    from tests.independent import targets as independent_targets

    region = tables["dealers"].sort("dealer_id")["region"][0]
    at = new_app({"region": region}).run()
    at.switch_page("views/dealer_scorecard.py").run()
    at.selectbox(key="rank_by").select("units_attainment").run()
    assert not at.exception
    table = at.dataframe[0].value
    f = Filters(start_on=as_of - timedelta(days=364), end_on=as_of, region=region)
    want = independent_targets.dealers(tables, f).sort("units_attainment", descending=True)
    names = dict(tables["dealers"].select("dealer_id", "dealer_name").iter_rows())
    assert list(table["dealer_name"]) == [names[d] for d in want["dealer_id"]]
    assert list(table["rank"]) == list(range(1, want.height + 1))
    assert abs(table["region_figure"].iloc[0] - want["units"].sum() / want["units_target"].sum()) < 1e-12
