"""Every word in zh-CN and English: the catalog covers every message the code marks, placeholders survive
translation, numbers and dates read as a Chinese or English reader expects, and `?lang=` switches the frame."""
from __future__ import annotations

import re
import sys
from datetime import date, datetime
from pathlib import Path

import pytest

from dashboard import formats, i18n

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
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params["lang"] = "zh"
    at.run()
    assert not at.exception
    assert [h.value for h in at.sidebar.header] == ["筛选"]
    assert any(i.value == "演示模式：无需登录，显示全部数据。" for i in at.sidebar.info)
    assert at.sidebar.selectbox(key="region").placeholder == "全部大区"
    assert at.radio(key="lang").value == "zh"
    at.radio(key="lang").set_value("en").run()   # the sidebar switch
    assert not at.exception
    assert [h.value for h in at.sidebar.header] == ["Filters"]
    assert at.sidebar.selectbox(key="region").placeholder == "All regions"


def test_the_overview_reads_in_chinese(app_env):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params["lang"] = "zh"
    at.run()
    assert not at.exception
    assert [t.value for t in at.title] == ["管理层总览"]
    labels = [m.label for m in at.metric]
    assert labels[:4] == ["销量（台）", "销售收入", "毛利", "售后收入"]
    assert any(label.startswith("NPS（净推荐值） (n=") for label in labels)
    assert [s.value for s in at.subheader][:2] == ["月度趋势", "销售来自哪里"]
    assert at.selectbox(key="drill_choice").label == "下钻到大区"


@pytest.mark.parametrize(("code", "lines"), [
    ("zh", ["# 客户列表", "# 筛选：2026-01-01 to 2026-11-30; region: 华东", "# 数据截至：2026-11-30"]),
    ("en", ["# Customer list", "# filters: 2026-01-01 to 2026-11-30; region: 华东", "# data as of: 2026-11-30"]),
])
def test_csv_exports_carry_a_byte_order_mark_and_their_context_in_the_readers_language(lang, code, lines):
    import polars as pl

    from dashboard import export

    lang(code)
    df = pl.DataFrame({"customer_id": ["C000123"], "city": ["柳州市"]})
    data = export.to_csv(df, "客户列表" if code == "zh" else "Customer list",
                         "2026-01-01 to 2026-11-30; region: 华东", date(2026, 11, 30))
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    assert text.splitlines()[:3] == lines
    assert text.splitlines()[3:] == ["customer_id,city", "C000123,柳州市"]
    rows_only = export.to_csv(df, "t", "none", date(2026, 11, 30), context=False)
    assert rows_only == "\ufeffcustomer_id,city\nC000123,柳州市\n".encode("utf-8")


def test_the_dealer_scorecard_reads_in_chinese(app_env):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params["lang"] = "zh"
    at.run()
    at.switch_page("views/dealer_scorecard.py").run()
    assert not at.exception
    assert [t.value for t in at.title] == ["经销商评分卡"]
    assert at.selectbox(key="rank_by").label == "排名依据"
    headline = next(md.value for md in at.markdown if md.value.startswith("**全国"))
    assert headline.startswith("**全国每家经销商平均销售收入：¥") and "各大区每家经销商平均：" in headline
    at.selectbox(key="rank_by").set_value("nps").run()
    assert not at.exception
    assert any(c.value.startswith("样本（nps responses）少于") for c in at.caption)
    assert next(md.value for md in at.markdown if md.value.startswith("**全国")).startswith("**全国NPS（净推荐值）：")
