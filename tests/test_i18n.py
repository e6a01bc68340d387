"""Every word in zh-CN and English: the catalog covers every message the code marks, placeholders survive
translation, numbers and dates read as a Chinese or English reader expects, and `?lang=` switches the frame."""
from __future__ import annotations

import re
import sys
from datetime import date, datetime
from pathlib import Path

import pytest

from dashboard import formats, i18n
from tests.apptest import open_app

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))


@pytest.fixture
def lang(monkeypatch):
    def use(code: str):
        monkeypatch.setattr(i18n, "language", lambda: code)
    return use


def untranslated(messages, catalog) -> list:
    return sorted({(c, m if isinstance(m, str) else m[0]) for c, m in messages} - set(catalog),
                  key=lambda key: (key[0] or "", key[1]))


def test_every_marked_message_and_stored_value_has_a_chinese_translation():
    from i18n_catalog import extracted

    assert untranslated(extracted(), i18n.catalog("zh")) == [], \
        "run python scripts/i18n_catalog.py and translate locales/zh_Hans/LC_MESSAGES/messages.po"


def test_translations_keep_their_placeholders():
    for (context, message), translation in i18n.catalog("zh").items():
        for text in (translation if isinstance(translation, tuple) else (translation,)):
            assert set(re.findall(r"\{\w+\}", text)) == set(re.findall(r"\{\w+\}", message)), message


def test_the_completeness_check_reports_a_new_message(tmp_path):
    """The completeness test's own check: code that marks a new message, or a new stored value, is reported."""
    from i18n_catalog import extracted

    (tmp_path / "views").mkdir()
    (tmp_path / "views" / "page.py").write_text('from dashboard.i18n import _\n_("A sentence nobody translated")\n')
    found = extracted(tmp_path)
    assert untranslated(found + [("channel", "telepathy")], i18n.catalog("zh")) == [
        (None, "A sentence nobody translated"), ("channel", "telepathy")]


def test_words_and_values_in_each_language(lang):
    lang("zh")
    assert i18n._("Filters") == "筛选"
    assert i18n.pgettext("channel", "walk_in") == "自然到店"
    assert i18n._("No translation for this sentence") == "No translation for this sentence"
    lang("en")
    assert i18n._("Filters") == "Filters"
    assert i18n.pgettext("channel", "walk_in") == "walk in"


@pytest.mark.parametrize(("code", "expected"), [
    ("zh", ["¥1363.16万", "¥1234.57亿", "¥9,999", "-¥2.5万", "—"]),
    ("en", ["¥13.63M", "¥123.46B", "¥10.00k", "-¥25.00k", "—"]),
])
def test_money_reads_in_wan_and_yi_or_thousands(lang, code, expected):
    lang(code)
    assert [formats.money(v) for v in (13_631_603.63, 123_456_789_012, 9_999, -25_000, None)] == expected


def test_a_zero_bar_shows_its_zero(lang):
    import plotly.graph_objects as go

    from dashboard import charts

    lang("zh")
    fig = charts.bar_labels(go.Figure(go.Bar(x=["低", "高"], y=[0.0, 0.842])), formats.percent)
    assert list(fig.data[0].text) == ["0.0%", "84.2%"] and fig.data[0].textposition == "outside"
    fig = charts.bar_labels(go.Figure(go.Bar(y=["低"], x=[0], orientation="h")), formats.number)
    assert list(fig.data[0].text) == ["0"]


@pytest.mark.parametrize(("code", "expected"), [
    ("zh", ["¥0", "¥2.5亿", "¥1亿", "¥5万", "¥1,000", "-¥1万"]),
    ("en", ["¥0", "¥250M", "¥100M", "¥50k", "¥1k", "-¥10k"]),
])
def test_axis_ticks_read_in_wan_and_yi_without_trailing_zeros(lang, code, expected):
    import plotly.graph_objects as go

    from dashboard import charts

    lang(code)
    assert [formats.money(v, trim=True) for v in (0, 2.5e8, 1e8, 5e4, 1000, -1e4)] == expected
    fig = charts.money_axis(go.Figure(), [0, 2.3e8])
    assert list(fig.layout.yaxis.tickvals) == [0, 1e8, 2e8, 3e8]
    assert list(fig.layout.yaxis.ticktext) == (["¥0", "¥1亿", "¥2亿", "¥3亿"] if code == "zh" else
                                               ["¥0", "¥100M", "¥200M", "¥300M"])


@pytest.mark.parametrize(("code", "month", "day", "points"), [
    ("zh", "2026年11月", "2026年11月22日", ["+1.2 个百分点", "-0.5 个百分点", "0.0 个百分点"]),
    ("en", "Nov 2026", "Nov 22, 2026", ["+1.2 pts", "-0.5 pts", "0.0 pts"]),
])
def test_dates_without_midnight_and_point_changes(lang, code, month, day, points):
    lang(code)
    assert formats.month(date(2026, 11, 1)) == month
    assert formats.day(datetime(2026, 11, 22, 0, 0)) == day
    assert [formats.points(v) for v in (0.012, -0.005, 0.0)] == points   # no sign on no change
    assert formats.percent(0.1234) == "12.3%" and formats.number(835_137.059) == "835,137"
    assert formats.day(None) == formats.month(None) == formats.percent(None) == "—"
    assert [formats.change(v) for v in (0.255, -0.0004, 0.0)] == ["+25.5%", "0.0%", "0.0%"]
    assert formats.is_zero_change("0.0%") and not formats.is_zero_change("+0.1%") and not formats.is_zero_change(None)


def test_the_link_chooses_the_language_of_the_frame(app_env):
    at = open_app(lang="zh")
    assert [h.value for h in at.sidebar.header] == ["筛选"]
    assert any(i.value == "演示模式：无需登录，显示全部数据。" for i in at.sidebar.info)
    assert at.sidebar.selectbox(key="region").placeholder == "全部大区"
    assert at.radio(key="lang").value == "zh"
    at.radio(key="lang").set_value("en").run()   # the sidebar switch
    assert not at.exception
    assert [h.value for h in at.sidebar.header] == ["Filters"]
    assert at.sidebar.selectbox(key="region").placeholder == "All regions"


def test_the_overview_reads_in_chinese(app_env):
    at = open_app(lang="zh")
    assert [t.value for t in at.title] == ["管理层总览"]
    labels = [m.label for m in at.metric]
    assert labels[:4] == ["销量（台）", "销售收入", "毛利", "售后收入"]
    assert any(label.startswith("NPS（净推荐值） (n=") for label in labels)
    assert [s.value for s in at.subheader][:3] == ["指标完成情况", "月度趋势", "销售来自哪里"]
    assert at.selectbox(key="drill_choice").label == "下钻到大区"


@pytest.mark.parametrize(("code", "lines", "header"), [
    ("zh", ["# 客户列表", "# 筛选：2026-01-01 至 2026-11-30；大区：华东", "# 数据截至：2026-11-30"], "客户编号,城市"),
    ("en", ["# Customer list", "# filters: 2026-01-01 to 2026-11-30; region: 华东", "# data as of: 2026-11-30"],
     "Customer no.,City"),
])
def test_csv_exports_carry_a_byte_order_mark_and_their_context_in_the_readers_language(code, lines, header):
    """The file is made when the button is clicked, in a thread with no session: in the language of the page that
    drew the button (i18n.in_language), headers and context lines alike."""
    import polars as pl

    from dashboard import export, filter_bar
    from queries.filters import Filters

    df = pl.DataFrame({"customer_id": ["C000123"], "city": ["柳州市"]})
    filters = Filters(start_on=date(2026, 1, 1), end_on=date(2026, 11, 30), region="华东")
    make = i18n.in_language(code, lambda: export.to_csv(df, "客户列表" if code == "zh" else "Customer list",
                                                        filter_bar.describe(filters), date(2026, 11, 30)))
    assert i18n.language() == "en"   # outside a page's run, as a download's thread is
    data = make()
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    assert text.splitlines()[:3] == lines
    assert text.splitlines()[3:] == [header, "C000123,柳州市"]
    rows_only = i18n.in_language(code, lambda: export.to_csv(df, "t", "none", date(2026, 11, 30), context=False))()
    assert rows_only == f"\ufeff{header}\nC000123,柳州市\n".encode("utf-8")


def test_the_dealer_scorecard_reads_in_chinese(app_env):
    at = open_app("views/dealer_scorecard.py", lang="zh")
    assert [t.value for t in at.title] == ["经销商评分卡"]
    assert at.selectbox(key="rank_by").label == "排名依据"
    headline = next(md.value for md in at.markdown if md.value.startswith("**全国"))
    assert headline.startswith("**全国每家经销商平均销售收入：¥") and "各大区每家经销商平均：" in headline
    at.selectbox(key="rank_by").set_value("nps").run()
    assert not at.exception
    assert any(c.value.startswith("样本（NPS样本数）少于 30 的经销商") for c in at.caption)
    assert next(md.value for md in at.markdown if md.value.startswith("**全国")).startswith("**全国NPS（净推荐值）：")


def test_tables_read_as_people_read_them(lang):
    """Headers in the reader's words, stored values translated, a date without its midnight, an empty value as "—"
    (never "None"), money in yuan."""
    import polars as pl

    from dashboard import tables

    lang("zh")
    df = pl.DataFrame({
        "channel": ["walk_in", None],
        "received_at": [datetime(2026, 11, 22, 0, 0), datetime(2026, 11, 22, 14, 5)],
        "sold_on": [date(2026, 11, 22), None],
        "amount": [1234.4, None],
        "revenue": [13_631_603.63, 2.0],
        "dealer_name": ["柳州某某汽车销售服务有限公司", None],
    })
    frame, config = tables.readable(df)
    assert frame.to_dict(as_series=False) == {
        "channel": ["自然到店", "—"], "received_at": ["2026-11-22", "2026-11-22 14:05"], "sold_on": ["2026-11-22", "—"],
        "amount": ["¥1,234", "—"], "revenue": [13_631_603.63, 2.0], "dealer_name": ["柳州某某汽车销售服务有限公司", "—"]}
    assert {name: c["label"] for name, c in config.items()} == {
        "channel": "渠道", "received_at": "受理", "sold_on": "销售日期", "amount": "金额", "revenue": "收入",
        "dealer_name": "经销商"}
    assert config["revenue"]["type_config"]["format"] == "¥%,.0f"


def test_a_link_carries_option_labels_in_its_language_and_only_unknown_ones_are_named(app_env):
    """Streamlit keeps a bound option's label in the link (自然到店 in a Chinese link), not the stored value: such a
    link filters without a warning, and a value no option shows (a raw code) is named as ignored."""
    at = open_app(query={"channel": "自然到店", "segment": "企业/车队"}, lang="zh")
    assert at.multiselect(key="channel").value == ["walk_in"] and at.multiselect(key="segment").value == ["fleet"]
    assert [w.value for w in at.warning] == []
    at = open_app(query={"channel": "walk_in"}, lang="zh")
    assert at.multiselect(key="channel").value == []
    assert [w.value for w in at.warning] == ["链接中的部分参数已忽略：渠道 `walk_in` 不是可选项。"]
