"""The global filter bar: every widget is bound to the URL, so a copied link opens the same view and the
filters survive page switches and reloads. Returns the active Filters."""
from __future__ import annotations

from datetime import date, timedelta

import polars as pl
import streamlit as st

from dashboard import data
from dashboard.i18n import _, pgettext
from dashboard.keys import quoted
from queries.filters import COMPARE_LAST_YEAR, COMPARE_PREVIOUS, Filters

CHANNELS = ["website", "call_center", "vertical_media", "wechat", "auto_show", "walk_in", "phone"]
# URL keys of the filters, in the order the bar shows them.
KEYS = ("period", "compare", "region", "province", "dealer", "product", "segment", "channel")


def default_period(as_of: date, first_on: date | None = None) -> tuple[date, date]:
    """The last twelve full months up to the data's as-of date (from the first sale, in a shorter history: a date
    input refuses a default before its minimum, which broke the app on a mart of a few months)."""
    start = as_of - timedelta(days=364)
    return (max(start, first_on) if first_on else start, as_of)


def render(as_of: date, first_on: date, segments_present: list[str]) -> Filters:
    dealers = data.load("filter_dealers")
    products = data.load("filter_products")
    _notice_invalid_url_values(dealers, products, segments_present, (first_on, as_of))

    bar = st.sidebar
    bar.header(_("Filters"))
    period = bar.date_input(
        _("Period"), value=default_period(as_of, first_on), min_value=first_on, max_value=as_of,
        key="period", bind="query-params", format="YYYY-MM-DD",
    )
    # Option labels are looked up now, in this run's language: a format_func is also called outside the run.
    compares = {c: pgettext("compare", c) for c in (COMPARE_PREVIOUS, COMPARE_LAST_YEAR)}
    compare = bar.selectbox(_("Compare with"), list(compares), key="compare", bind="query-params",
                            format_func=compares.get)

    regions = dealers["region"].unique().sort().to_list()
    region = bar.selectbox(_("Region"), regions, index=None, placeholder=_("All regions"), key="region", bind="query-params")
    in_region = dealers.filter(pl.col("region") == region) if region else dealers
    provinces = in_region["province"].unique().sort().to_list()
    province = bar.selectbox(_("Province"), provinces, index=None, placeholder=_("All provinces"), key="province",
                             bind="query-params")
    in_province = in_region.filter(pl.col("province") == province) if province else in_region
    names = dict(zip(in_province["dealer_id"].to_list(), in_province["dealer_name"].to_list()))
    dealer_id = bar.selectbox(
        _("Dealer"), list(names), index=None, placeholder=_("All dealers"), key="dealer", bind="query-params",
        format_func=lambda d: dealer_label(d, names.get(d, "")),
    )

    product_names = dict(zip(products["product_id"].to_list(), products["product_name"].to_list()))
    product_ids = bar.multiselect(
        _("Product"), list(product_names), key="product", bind="query-params", placeholder=_("All products"),
        format_func=lambda p: product_names.get(p, p),
    )
    segments = bar.multiselect(_("Segment"), segments_present, key="segment", bind="query-params",
                               placeholder=_("All segments"),
                               format_func={t: pgettext("customer_type", t) for t in segments_present}.get)
    channels = bar.multiselect(_("Channel"), CHANNELS, key="channel", bind="query-params", placeholder=_("All channels"),
                               format_func={c: pgettext("channel", c) for c in CHANNELS}.get)

    start_on, end_on = _period_bounds(period, as_of)
    return Filters(
        start_on=start_on, end_on=end_on, region=region, province=province, dealer_id=dealer_id,
        product_ids=tuple(product_ids), customer_types=tuple(segments), channels=tuple(channels), compare=compare,
    )


def describe(filters: Filters) -> str:
    """One line naming the active filters in the reader's language, for captions and exports."""
    parts = [_("{start} to {end}").format(start=f"{filters.start_on:%Y-%m-%d}", end=f"{filters.end_on:%Y-%m-%d}")]
    for key, values in (
        ("region", [filters.region] if filters.region else []),
        ("province", [filters.province] if filters.province else []),
        ("dealer", [filters.dealer_id] if filters.dealer_id is not None else []),
        ("product", list(filters.product_ids)),
        ("segment", [pgettext("customer_type", t) for t in filters.customer_types]),
        ("channel", [pgettext("channel", c) for c in filters.channels]),
    ):
        if values:
            parts.append(_("{filter}: {values}").format(filter=pgettext("filter", key), values=", ".join(map(str, values))))
    return _("; ").join(parts)


def dealer_label(dealer_id: str, name: str) -> str:
    return f"{name} (#{dealer_id})"


def drill_to(level: str, value) -> None:
    """Set the geography one level down (a chart click or the breadcrumb); run as a widget callback."""
    if level == "region":
        st.session_state.update(region=value, province=None, dealer=None)
    elif level == "province":
        st.session_state.update(province=value, dealer=None)
    elif level == "dealer":
        st.session_state.update(dealer=value)


def drill_up(level: str) -> None:
    """Step back to a breadcrumb level: 'all', 'region' or 'province'."""
    if level == "all":
        st.session_state.update(region=None, province=None, dealer=None)
    elif level == "region":
        st.session_state.update(province=None, dealer=None)
    elif level == "province":
        st.session_state.update(dealer=None)


def _period_bounds(period, as_of: date) -> tuple[date, date]:
    # While a person is picking a range the widget holds one date: treat it as a single day.
    if isinstance(period, (tuple, list)):
        if len(period) == 2:
            return period[0], period[1]
        if len(period) == 1:
            return period[0], period[0]
        return default_period(as_of)
    return period, period


def _notice_invalid_url_values(dealers: pl.DataFrame, products: pl.DataFrame, segments: list[str],
                               data_range: tuple[date, date]) -> None:
    """Streamlit drops URL values that match no option (or a date outside the data) and uses the default; say so
    once, on the first run of a session, naming the value (shortened) and what is shown instead."""
    if st.session_state.get("_url_checked"):
        return
    st.session_state["_url_checked"] = True
    params = st.query_params
    problems = []
    region = params.get("region")
    regions = set(dealers["region"].to_list())
    if region is not None and region not in regions:
        problems.append(_("region {value} is not one of the regions you can see").format(value=quoted(region)))
        region = None
    province = params.get("province")
    provinces = set((dealers.filter(pl.col("region") == region) if region else dealers)["province"].to_list())
    if province is not None and province not in provinces:
        problems.append(_("province {value} is not a province you can see").format(value=quoted(province)))
        province = None
    dealer = params.get("dealer")
    scope = dealers
    if region:
        scope = scope.filter(pl.col("region") == region)
    if province:
        scope = scope.filter(pl.col("province") == province)
    labels = {dealer_label(d, n) for d, n in zip(scope["dealer_id"].to_list(), scope["dealer_name"].to_list())}
    if dealer is not None and dealer not in labels:
        problems.append(_("dealer {value} is not a dealer you can see in the chosen area").format(value=quoted(dealer)))
    # A bound widget keeps its option's label in the link (in the link's language), not the stored value.
    allowed = {
        "product": set(products["product_name"].to_list()),
        "segment": {pgettext("customer_type", t) for t in segments},
        "channel": {pgettext("channel", c) for c in CHANNELS},
    }
    for key, options in allowed.items():
        for value in params.get_all(key):
            for part in value.split(","):
                if part and part not in options:
                    problems.append(_("{filter} {value} is not one of the choices").format(filter=pgettext("filter", key),
                                                                                           value=quoted(part)))
    compare = params.get("compare")
    if compare is not None and compare not in {pgettext("compare", c) for c in (COMPARE_PREVIOUS, COMPARE_LAST_YEAR)}:
        problems.append(_("{filter} {value} is not one of the choices").format(filter=pgettext("filter", "compare"),
                                                                               value=quoted(compare)))
    first_on, as_of = data_range
    for value in params.get_all("period"):
        for part in value.split(","):
            try:
                day = date.fromisoformat(part)
            except ValueError:
                problems.append(_("period {value} is not a date (YYYY-MM-DD)").format(value=quoted(part)))
                continue
            if not first_on <= day <= as_of:
                problems.append(_("period {value} is outside the data ({start} to {end}), so the last twelve months "
                                  "are shown").format(value=quoted(part), start=f"{first_on:%Y-%m-%d}",
                                                      end=f"{as_of:%Y-%m-%d}"))
    if problems:
        st.session_state["_url_notice"] = _("Some values in the link were ignored: {problems}.").format(
            problems="; ".join(problems))


def show_url_notice() -> None:
    notice = st.session_state.get("_url_notice")
    if notice:
        st.warning(notice, icon="⚠️")
