"""Demo data: five years of a Chinese automaker's dealer network, drawn from one seed.

Every table is drawn in whole arrays (NumPy), from named random streams of the seed, so the same seed
always gives the same rows and nothing depends on today's date. Loops run only over small things
(regions, provinces, campaigns, service steps), never over customers or facts.

The data carries the structure the pages look for, driven by a few hidden causes:
- each dealer has a latent quality: worse dealers answer leads and complaints slower, convert fewer
  leads, keep fewer service customers, get more complaints and lower survey scores;
- demand has a trend per region, a year-end peak, smaller peaks in March and September and a dip
  around the Chinese New Year; EVs gain share; three models launch mid-history;
- fleets (about 3% of customers) buy many vehicles, repeatedly, so value is concentrated (80/20);
- a complaint or a poor survey score makes a customer likelier to stop servicing and not buy again;
- each campaign has a true effect (none, modest or strong) on its treatment arm only, so the
  treatment-control lift and the ROI differ between campaigns;
- satisfaction follow-up calls: every survey is the answer of one answered call; worse dealers call later
  after the event and need more attempts per answer (a lower response rate); some events get no call;
- dealers' monthly targets follow their expected volume and the season, times a dealer's ambition, so some
  dealers run ahead of target and some far behind;
- one model (WARRANTY_PROBLEM_PRODUCT) has a warranty problem: its warranty claims per vehicle rise with
  months in service, on top of the ordinary warranty visits every model has.

The follow-up calls, the targets and the service visits' vehicle, mileage and warranty cost are drawn from their
own streams after everything else, so the tables and columns that existed before them kept their values.

`dealer_quality(scale, seed)` gives the hidden quality, for tests and for checking the pages.
"""
from __future__ import annotations

import time
import zlib
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from mart import demo_names as zh
from mart.build import build_mart

DEFAULT_END_ON = date(2026, 11, 30)
HISTORY_YEARS = 5
DAY_S = 86_400
_EPOCH = date(1970, 1, 1)


@dataclass(frozen=True)
class Scale:
    customers: int
    dealers: int
    campaigns: int = 40


SCALES = {"s": Scale(20_000, 60), "m": Scale(200_000, 300), "l": Scale(2_000_000, 800)}

# --- organisation -------------------------------------------------------------------------------

REGIONS = ("East", "South", "North", "Central", "Southwest", "Northwest", "Northeast")
# Yearly demand growth per region (log scale): the South and Southwest grow fastest, the Northeast stalls.
REGION_GROWTH = np.array([0.12, 0.16, 0.07, 0.13, 0.15, 0.09, 0.01])
# EV appetite per region: warm, rich coastal regions first, cold regions last.
REGION_EV = np.array([1.25, 1.45, 0.9, 1.0, 1.05, 0.6, 0.45])

# (region, province, market weight, cities with the capital first)
PROVINCES = (
    ("East", "Shanghai", 6.0, ("Shanghai",)),
    ("East", "Jiangsu", 9.0, ("Nanjing", "Suzhou", "Wuxi", "Changzhou", "Nantong", "Xuzhou", "Yangzhou")),
    ("East", "Zhejiang", 8.0, ("Hangzhou", "Ningbo", "Wenzhou", "Shaoxing", "Jiaxing", "Jinhua", "Taizhou")),
    ("East", "Anhui", 3.5, ("Hefei", "Wuhu", "Bengbu", "Anqing")),
    ("East", "Fujian", 4.0, ("Fuzhou", "Xiamen", "Quanzhou", "Zhangzhou")),
    ("East", "Shandong", 7.0, ("Jinan", "Qingdao", "Yantai", "Weifang", "Linyi", "Zibo")),
    ("East", "Jiangxi", 2.5, ("Nanchang", "Ganzhou", "Jiujiang")),
    ("South", "Guangdong", 13.0, ("Guangzhou", "Shenzhen", "Dongguan", "Foshan", "Zhuhai", "Huizhou", "Shantou", "Zhongshan")),
    ("South", "Guangxi", 3.0, ("Nanning", "Liuzhou", "Guilin")),
    ("South", "Hainan", 1.2, ("Haikou", "Sanya")),
    ("North", "Beijing", 4.5, ("Beijing",)),
    ("North", "Tianjin", 2.5, ("Tianjin",)),
    ("North", "Hebei", 4.5, ("Shijiazhuang", "Tangshan", "Baoding", "Langfang", "Handan")),
    ("North", "Shanxi", 2.0, ("Taiyuan", "Datong", "Changzhi")),
    ("North", "Inner Mongolia", 1.8, ("Hohhot", "Baotou", "Ordos")),
    ("Central", "Henan", 5.0, ("Zhengzhou", "Luoyang", "Nanyang", "Xinxiang")),
    ("Central", "Hubei", 4.0, ("Wuhan", "Yichang", "Xiangyang")),
    ("Central", "Hunan", 3.8, ("Changsha", "Zhuzhou", "Hengyang", "Yueyang")),
    ("Southwest", "Sichuan", 5.0, ("Chengdu", "Mianyang", "Deyang", "Nanchong", "Yibin")),
    ("Southwest", "Chongqing", 3.0, ("Chongqing",)),
    ("Southwest", "Guizhou", 1.8, ("Guiyang", "Zunyi")),
    ("Southwest", "Yunnan", 2.2, ("Kunming", "Qujing", "Dali")),
    ("Southwest", "Tibet", 0.2, ("Lhasa",)),
    ("Northwest", "Shaanxi", 2.8, ("Xi'an", "Baoji", "Xianyang", "Yulin")),
    ("Northwest", "Gansu", 1.0, ("Lanzhou", "Tianshui")),
    ("Northwest", "Qinghai", 0.35, ("Xining",)),
    ("Northwest", "Ningxia", 0.4, ("Yinchuan",)),
    ("Northwest", "Xinjiang", 1.3, ("Urumqi", "Karamay", "Korla")),
    ("Northeast", "Liaoning", 2.8, ("Shenyang", "Dalian", "Anshan")),
    ("Northeast", "Jilin", 1.4, ("Changchun", "Jilin")),
    ("Northeast", "Heilongjiang", 1.6, ("Harbin", "Daqing", "Qiqihar")),
)
CITY_DISTRICTS = {
    "Shanghai": ("Pudong", "Minhang", "Jiading", "Baoshan", "Songjiang", "Xuhui", "Putuo", "Qingpu", "Fengxian", "Changning", "Yangpu", "Jinshan"),
    "Beijing": ("Chaoyang", "Haidian", "Fengtai", "Daxing", "Tongzhou", "Shunyi", "Changping", "Shijingshan"),
    "Tianjin": ("Binhai", "Hexi", "Nankai", "Dongli", "Xiqing", "Wuqing"),
    "Chongqing": ("Yubei", "Jiangbei", "Nan'an", "Shapingba", "Jiulongpo", "Banan", "Wanzhou"),
    "Hangzhou": ("Xihu", "Binjiang", "Xiaoshan", "Yuhang", "Gongshu", "Shangcheng"),
    "Guangzhou": ("Tianhe", "Baiyun", "Panyu", "Huangpu", "Haizhu", "Huadu"),
    "Shenzhen": ("Futian", "Nanshan", "Longgang", "Bao'an", "Longhua", "Luohu"),
    "Nanjing": ("Jiangning", "Gulou", "Qixia", "Pukou", "Xuanwu"),
    "Suzhou": ("Gusu", "Wuzhong", "Xiangcheng", "Kunshan", "Wujiang"),
    "Chengdu": ("Wuhou", "Jinjiang", "Chenghua", "Shuangliu", "Pidu", "Longquanyi"),
    "Wuhan": ("Hongshan", "Jiang'an", "Wuchang", "Hanyang", "Dongxihu"),
    "Xi'an": ("Yanta", "Weiyang", "Chang'an", "Lianhu", "Baqiao"),
}
# Common district and road names found in many Chinese cities, for the cities without a list above.
GENERIC_DISTRICTS = (
    "Gaoxin", "Kaifa", "Chengnan", "Chengbei", "Chengdong", "Chengxi", "Binhe", "Jiefang", "Renmin",
    "Zhongshan", "Xinhua", "Jinqiao", "Huaxia", "Xingfu", "Longhu", "Nanhu", "Beihu", "Dongfeng",
    "Heping", "Changjiang", "Yingbin", "Jinxiu", "Taihe", "Xinkai",
)

# --- products -----------------------------------------------------------------------------------

# (product_id, name, category, list price CNY, launch month relative to the history's first month,
#  base appeal, yearly appeal trend (log), complaint factor)
PRODUCTS = (
    ("SED-01", "Aurora S5", "sedan", 98_800, -58, 1.00, -0.18, 1.0),
    ("SED-02", "Aurora S7", "sedan", 148_800, -30, 1.00, -0.05, 1.0),
    ("SED-03", "Aurora S9", "sedan", 238_800, -8, 0.45, 0.00, 0.9),
    ("SUV-04", "Tiger X3", "SUV", 112_800, -50, 1.20, -0.15, 1.0),
    ("SUV-05", "Tiger X5", "SUV", 165_800, -33, 1.30, -0.02, 1.0),
    ("SUV-06", "Tiger X7", "SUV", 225_800, -14, 0.70, 0.00, 1.9),  # a known quality issue
    ("SUV-07", "Tiger X9", "SUV", 328_800, 28, 0.40, 0.00, 1.0),  # launched mid-history
    ("MPV-08", "Voyager M6", "MPV", 178_800, -25, 0.45, -0.03, 1.0),
    ("MPV-09", "Voyager M8", "MPV", 268_800, -4, 0.30, 0.02, 1.1),
    ("EV-10", "Spark E3", "EV", 86_800, -17, 0.55, 0.10, 1.1),
    ("EV-11", "Spark E5", "EV", 159_800, 15, 0.85, 0.10, 1.5),  # launched mid-history, early battery issues
    ("EV-12", "Spark E7", "EV", 279_800, 42, 0.55, 0.10, 1.0),  # launched mid-history
)
PRODUCT_PRICE = np.array([p[3] for p in PRODUCTS], dtype=np.float64)
PRODUCT_IS_EV = np.array([p[2] == "EV" for p in PRODUCTS])
PRODUCT_COMPLAINT = np.array([p[7] for p in PRODUCTS])
# Fleets (taxi, ride hailing, company cars) buy cheap sedans, EVs and MPVs.
FLEET_APPEAL = np.array([2.0, 1.5, 0.1, 0.5, 0.2, 0.05, 0.02, 1.2, 0.5, 2.0, 1.5, 0.1])
# The model with a warranty problem (its known quality issue): extra warranty claims per vehicle-year of
# WARRANTY_PROBLEM_RATE * years_in_service ** 1.5, so its claim rate rises with months in service.
WARRANTY_PROBLEM_PRODUCT = "SUV-06"
WARRANTY_PROBLEM_RATE = 0.06  # 0.04 until issue 17: owners now leave sooner, so fewer ordinary warranty visits

# --- enums (order as in schema.sql) -------------------------------------------------------------

CUSTOMER_TYPES = ("individual", "fleet")
GENDERS = ("female", "male")
CHANNELS = ("website", "call_center", "vertical_media", "wechat", "auto_show", "walk_in", "phone")
SERVICE_TYPES = ("maintenance", "repair", "warranty", "accident")
OUTCOMES = ("open", "won", "lost")
LOST_REASONS = ("price", "competitor", "financing", "no_response", "delivery_time")
CAMPAIGN_TYPES = ("acquisition", "promotion", "care", "retention")
ARMS = ("treatment", "control")
SEVERITIES = ("low", "medium", "high", "critical")
SLA_HOURS = np.array([336, 168, 72, 24])
SURVEY_TYPES = ("sales", "service", "complaint_callback")
CALL_OUTCOMES = ("not_reached", "refused", "answered")
INCOME_BANDS = ("<100k", "100-200k", "200-500k", ">500k")
COMPLAINT_CHANNELS = ("hotline", "wechat", "app", "dealer", "social_media")
COMPLAINT_CATEGORIES = ("product_quality", "service_quality", "sales_process", "delivery", "parts", "billing")
TIERS = ("A", "B", "C")

# Lead funnel per channel: P(contacted), P(test drive | contacted), P(quote | test drive), P(won | quote),
# and the median hours to first contact. Walk-ins and auto shows convert best, media and web worst.
FUNNEL = np.array([
    [0.80, 0.36, 0.52, 0.40, 6.0],   # website
    [0.92, 0.50, 0.60, 0.46, 1.0],   # call_center
    [0.78, 0.32, 0.48, 0.36, 10.0],  # vertical_media
    [0.86, 0.42, 0.55, 0.44, 2.0],   # wechat
    [0.95, 0.66, 0.70, 0.55, 18.0],  # auto_show
    [1.00, 0.82, 0.80, 0.62, 0.1],   # walk_in
    [0.93, 0.55, 0.64, 0.50, 0.5],   # phone
])

# Seasonality: month-of-year demand (golden March and September, the year-end push), with the Chinese New
# Year holiday cut out on top.
MONTH_FACTOR = np.array([0.95, 0.92, 1.10, 1.00, 0.98, 1.02, 0.90, 0.93, 1.12, 1.03, 1.13, 1.32])
CHINESE_NEW_YEAR = tuple(date.fromisoformat(d) for d in (
    "2015-02-19", "2016-02-08", "2017-01-28", "2018-02-16", "2019-02-05", "2020-01-25", "2021-02-12",
    "2022-02-01", "2023-01-22", "2024-02-10", "2025-01-29", "2026-02-17", "2027-02-06", "2028-01-26",
    "2029-02-13", "2030-02-03", "2031-01-23", "2032-02-11", "2033-01-31", "2034-02-19", "2035-02-08",
))


# --- public API ---------------------------------------------------------------------------------

def generate(
    db: str | Path,
    scale: str = "m",
    seed: int = 7,
    progress: bool = True,
    end_on: date = DEFAULT_END_ON,
) -> Path:
    """Build the demo mart at `db`: scale s (~20k customers), m (~200k) or l (~2M); history ends at end_on."""
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}: choose one of {', '.join(SCALES)}")
    log = _Progress(progress)

    def fill(con: duckdb.DuckDBPyConnection) -> None:
        tables = _Demo(SCALES[scale], seed, end_on, log).tables()
        for name in ("dealers", "products", "campaigns", "customers", "leads", "sales", "service_visits",
                     "campaign_contacts", "complaints", "surveys", "followup_calls", "targets"):
            _insert(con, name, tables.pop(name), log)

    path = build_mart(db, fill, source="demo", scale=scale, seed=seed)
    log(f"mart written to {path}")
    return path


def dealer_quality(scale: str = "m", seed: int = 7, end_on: date = DEFAULT_END_ON) -> dict[str, float]:
    """The hidden quality score of each dealer (dealer_id -> score, mean 0, sd 1; higher is better)."""
    cal = _Calendar(end_on)
    dealers = _make_dealers(_stream(seed, "dealers"), SCALES[scale].dealers, cal)
    return {key_code("dealer_id", i + 1): float(q) for i, q in enumerate(dealers.quality)}


# Keys as a dealer network's systems write them (a prefix and a zero-padded number): the generator numbers rows
# 1..n and writes each key as text, so the demo exercises the text keys that real exports have.
KEY_CODES = {
    "dealer_id": ("D", 4), "home_dealer_id": ("D", 4), "customer_id": ("C", 8), "campaign_id": ("MC", 4),
    "lead_id": ("L", 8), "sale_id": ("SO", 8), "visit_id": ("RO", 8), "complaint_id": ("TS", 8),
    "survey_id": ("HF", 8), "call_id": ("FC", 8),
}


def key_code(column: str, number: int) -> str:
    """The demo's text key of row `number` of the key `column` (dealer 3 -> 'D0003')."""
    prefix, width = KEY_CODES[column]
    return f"{prefix}{number:0{width}d}"


def _with_key_codes(table: pa.Table) -> pa.Table:
    for i, name in enumerate(table.column_names):
        if name in KEY_CODES:
            prefix, width = KEY_CODES[name]
            digits = pc.utf8_lpad(pc.cast(table.column(i), pa.string()), width, "0")
            table = table.set_column(i, name, pc.binary_join_element_wise(prefix, digits, ""))
    return table


# --- helpers ------------------------------------------------------------------------------------

class _Progress:
    def __init__(self, on: bool):
        self.on = on
        self.t0 = time.perf_counter()

    def __call__(self, message: str) -> None:
        if self.on:
            print(f"[{time.perf_counter() - self.t0:6.1f} s] {message}", flush=True)


def _stream(seed: int, name: str) -> np.random.Generator:
    """An independent random stream per part of the data, so one part can be redrawn alone."""
    return np.random.default_rng([seed, zlib.crc32(name.encode())])


def _expit(x):
    return 1.0 / (1.0 + np.exp(-x))


def _logit(p):
    return np.log(p / (1.0 - p))


def _pick(rng: np.random.Generator, weights, n: int) -> np.ndarray:
    """n draws from one categorical distribution."""
    cum = np.cumsum(np.asarray(weights, dtype=np.float64))
    return np.minimum(np.searchsorted(cum, rng.random(n) * cum[-1], side="right"), len(cum) - 1)


def _pick_by_group(rng: np.random.Generator, group: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """One categorical draw per row from the row's group's weights (weights: groups x categories)."""
    cum = np.cumsum(weights, axis=1)
    cum = cum / cum[:, -1:]
    u = rng.random(len(group))
    out = np.zeros(len(group), dtype=np.int64)
    for k in range(weights.shape[1] - 1):
        out += u >= cum[group, k]
    return out


def _sample_cells(rng: np.random.Generator, weights: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """n (row, column) cells drawn with probability proportional to a 2-d weight matrix."""
    cum = np.cumsum(weights, axis=None)
    idx = np.searchsorted(cum, rng.random(n) * cum[-1], side="right")
    idx = np.minimum(idx, cum.size - 1)
    return idx // weights.shape[1], idx % weights.shape[1]


def _sample_days_between(rng: np.random.Generator, cum: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """One day per row in [lo, hi], drawn by the daily intensity whose cumulative sum is cum."""
    lo = np.clip(lo, 0, len(cum) - 1)
    hi = np.clip(hi, lo, len(cum) - 1)
    base = np.where(lo > 0, cum[np.maximum(lo - 1, 0)], 0.0)
    u = base + rng.random(len(lo)) * (cum[hi] - base)
    return np.clip(np.searchsorted(cum, u, side="right"), lo, hi)


def _cents(x: np.ndarray) -> np.ndarray:
    return np.round(x, 2)


def _concat(parts: list, dtype=np.int64) -> np.ndarray:
    """Concatenate the per-step pieces of a column (an empty column if there were none)."""
    return np.concatenate(parts).astype(dtype) if parts else np.zeros(0, dtype)


class _Calendar:
    """The history's days as indexes 0..T-1 (day 0 = first day), with month and seasonality per day."""

    def __init__(self, end_on: date):
        try:
            back = end_on.replace(year=end_on.year - HISTORY_YEARS)
        except ValueError:  # 29 February
            back = end_on.replace(year=end_on.year - HISTORY_YEARS, day=28)
        self.start = back + timedelta(days=1)
        self.end = end_on
        self.t0 = (self.start - _EPOCH).days
        self.T = (end_on - self.start).days + 1
        days = np.arange(self.T, dtype=np.int64) + self.t0
        months = days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
        self.month = (months - months[0]).astype(np.int64)
        self.n_months = int(self.month[-1]) + 1
        self.month_start = np.searchsorted(self.month, np.arange(self.n_months))  # day index of each month's 1st
        self.moy = (months % 12 + 1).astype(np.int64)
        self.dow = (days + 3) % 7  # 0 = Monday (1970-01-01 was a Thursday)
        self.years = np.arange(self.T) / 365.25
        season = MONTH_FACTOR[self.moy - 1].copy()
        for cny in CHINESE_NEW_YEAR:
            i = (cny - self.start).days
            if -10 < i < self.T + 10:
                season[max(i - 6, 0): max(i + 9, 0)] *= 0.42
        self.season = season
        self.end_s = self.T * DAY_S - 1  # the last second of end_on

    def first_of_month(self, month: int) -> date:
        y, m = divmod(self.start.year * 12 + self.start.month - 1 + month, 12)
        return date(y, m + 1, 1)


@dataclass
class _Dealers:
    region: np.ndarray
    province: np.ndarray
    city: np.ndarray  # index into the flat city list
    name: list
    tier: np.ndarray
    opened: np.ndarray  # day index (negative: before the history)
    quality: np.ndarray
    size: np.ndarray


_CITY_LIST = [(pi, c) for pi, p in enumerate(PROVINCES) for c in p[3]]
_PROVINCE_REGION = np.array([REGIONS.index(p[0]) for p in PROVINCES])
_CITY_PROVINCE = np.array([pi for pi, _ in _CITY_LIST])
_CITY_NAMES = [c for _, c in _CITY_LIST]
# The names the demo writes (mart/demo_names.py): the mart holds Chinese names, as a Chinese automaker's does.
_ZH_REGIONS = [zh.REGION[r] for r in REGIONS]
_ZH_PROVINCES = [zh.PROVINCE[p[1]] for p in PROVINCES]
_ZH_CITIES = [zh.city_name(c) for c in _CITY_NAMES]


def _make_dealers(rng: np.random.Generator, n: int, cal: _Calendar) -> _Dealers:
    quality = rng.standard_normal(n)
    size = rng.lognormal(0.0, 0.45, n)
    # dealers per province in proportion to its market (largest remainders, random ties), and every
    # region's biggest province has at least one
    weight = np.array([p[2] for p in PROVINCES])
    quota = n * weight / weight.sum()
    count = np.floor(quota).astype(np.int64)
    for r, region in enumerate(REGIONS):
        members = [i for i, p in enumerate(PROVINCES) if p[0] == region]
        biggest = max(members, key=lambda i: PROVINCES[i][2])
        count[biggest] = max(count[biggest], 1)
    remainder = quota - np.floor(quota) + rng.uniform(0, 0.5, len(weight))
    remainder[count > quota] = -np.inf
    short = n - count.sum()
    if short > 0:
        count[np.argsort(-remainder, kind="stable")[:short]] += 1
    elif short < 0:
        for i in np.argsort(quota - count, kind="stable")[: -short]:
            count[i] -= 1
    province = np.repeat(np.arange(len(weight)), count)
    city = np.zeros(n, dtype=np.int64)
    u = rng.random(n)
    for pi in range(len(PROVINCES)):
        cities = np.flatnonzero(_CITY_PROVINCE == pi)
        w = np.ones(len(cities))
        w[0] = 2.5  # the capital
        cum = np.cumsum(w) / w.sum()
        here = province == pi
        city[here] = cities[np.minimum(np.searchsorted(cum, u[here], side="right"), len(cities) - 1)]
    opened = -rng.integers(180, 15 * 365, n)
    n_new = max(2, round(0.1 * n))
    new = rng.choice(n, n_new, replace=False)
    opened[new] = rng.integers(90, cal.T - 365, n_new)
    tier_score = np.log(size) + 0.25 * quality + rng.normal(0, 0.2, n)
    tie = rng.random(n)
    order = np.lexsort((tie, city, province))  # dealer ids run region -> province -> city
    quality, size, province, city, opened, tier_score = (a[order] for a in (quality, size, province, city, opened, tier_score))
    rank = np.argsort(np.argsort(-tier_score, kind="stable"), kind="stable") / n
    tier = np.where(rank < 0.25, 0, np.where(rank < 0.70, 1, 2))
    names = []
    seen: dict[int, int] = {}
    for c in city:  # one name per dealer: a loop over a few hundred dealers, not over facts
        k = seen.get(int(c), 0)
        seen[int(c)] = k + 1
        cname = _CITY_NAMES[c]
        districts = CITY_DISTRICTS.get(cname, ()) + GENERIC_DISTRICTS
        dist = districts[k % len(districts)]
        names.append(zh.dealer_name(cname, dist, int(c) + k))
    return _Dealers(_PROVINCE_REGION[province], province, city, names, tier, opened, quality, size)


def _dict_array(codes: np.ndarray, labels, mask: np.ndarray | None = None) -> pa.DictionaryArray:
    return pa.DictionaryArray.from_arrays(pa.array(codes.astype(np.int32), mask=mask), pa.array(list(labels)))


def _insert(con: duckdb.DuckDBPyConnection, name: str, table: pa.Table, log: _Progress) -> None:
    t = time.perf_counter()
    table = _with_key_codes(table)
    step = 2_000_000
    for offset in range(0, max(table.num_rows, 1), step):
        con.register("_generated", table.slice(offset, step))
        con.execute(f"insert into {name} select * from _generated")
        con.unregister("_generated")
    log(f"{name:<18} {table.num_rows:>11,} rows inserted in {time.perf_counter() - t:5.1f} s")


# --- the generator ------------------------------------------------------------------------------

class _Demo:
    """Draws all tables. Customers carry an internal index 0..N-1 until ids are given by created_on."""

    def __init__(self, scale: Scale, seed: int, end_on: date, log: _Progress):
        self.scale = scale
        self.seed = seed
        self.log = log
        self.cal = _Calendar(end_on)
        self.money = scale.customers / 200_000  # campaign budgets follow the size of the customer base

    def rng(self, name: str) -> np.random.Generator:
        return _stream(self.seed, name)

    # ---- the whole run ----
    def tables(self) -> dict[str, pa.Table]:
        cal = self.cal
        self.d = _make_dealers(self.rng("dealers"), self.scale.dealers, cal)
        self._demand()
        self._products()
        self._campaigns()
        self.log(f"dealers {len(self.d.region)}, products {len(PRODUCTS)}, campaigns {len(self.c_type)}")
        self._acquisition()
        self.log(f"customers {self.n_cust:,} and leads {len(self.l_dealer):,} drawn")
        self._first_sales()
        n_first = len(self.sales["cust"])
        exp1 = self._after_sales(self.rng("after-sales-1"), self.sales)
        self._repurchases(exp1)
        self._contacts()
        extra = self._sales_frame(self.rng("sales-2"), self.s2)
        exp2 = self._after_sales(self.rng("after-sales-2"), extra)
        self.sales = {k: np.concatenate([self.sales[k], extra[k]]) for k in self.sales}
        self._attribute_campaigns()
        # the events the visits and surveys came from, as indexes into the concatenated sales and visits
        n_v1 = len(exp1["visits"]["cust"])
        exp2["visits"]["sale"] += n_first
        exp2["surveys"]["event"] += np.where(exp2["surveys"]["type"] == 0, n_first, n_v1)
        visits = {k: np.concatenate([exp1["visits"][k], exp2["visits"][k], self.care_visits[k]]) for k in exp1["visits"]}
        triggers = {k: np.concatenate([exp1["triggers"][k], exp2["triggers"][k]]) for k in exp1["triggers"]}
        surveys = {k: np.concatenate([exp1["surveys"][k], exp2["surveys"][k]]) for k in exp1["surveys"]}
        complaints, callback_surveys = self._complaints(self.rng("complaints"), triggers)
        surveys = {k: np.concatenate([surveys[k], callback_surveys[k]]) for k in surveys}
        self.log(f"facts drawn: {len(self.sales['cust']):,} sales, {len(visits['cust']):,} visits, "
                 f"{len(complaints['cust']):,} complaints, {len(surveys['cust']):,} surveys")
        # the later additions, each from its own stream: nothing above depends on them
        visits = self._service_vehicles(self.rng("service-vehicles"), self.rng("warranty-problem"), visits)
        calls = self._followup_calls(self.rng("followup-calls"), visits, complaints, surveys)
        targets = self._targets(self.rng("targets"))
        self.log(f"later additions drawn: {len(calls['cust']):,} follow-up calls, {len(targets['dealer']):,} targets, "
                 f"{int(visits['n_extra']):,} extra warranty visits")
        return self._to_arrow(visits, complaints, surveys, calls, targets)

    # ---- demand: dealer x day weights ----
    def _demand(self):
        cal, d = self.cal, self.d
        trend = np.exp(np.outer(REGION_GROWTH[d.region], cal.years))
        since = np.arange(cal.T)[None, :] - d.opened[:, None]
        ramp = np.where(since < 0, 0.0, np.clip(0.35 + 0.65 * since / 270.0, 0.0, 1.0))
        base = d.size[:, None] * trend * ramp * cal.season[None, :]
        showroom = np.array([0.85, 0.82, 0.84, 0.86, 0.95, 1.45, 1.35])  # weekends fill the showroom
        online = np.array([1.0, 1.0, 1.0, 1.0, 0.95, 1.05, 1.0])
        self.w_showroom = base * showroom[cal.dow][None, :]
        # a lead turns into a sale about two weeks later: leads follow the season ahead of the sales
        ahead = np.r_[cal.season[14:], np.repeat(cal.season[-1], 14)] / cal.season
        self.w_leads = base * (ahead * online[cal.dow])[None, :]
        self.cum_national = np.cumsum(self.w_showroom.sum(axis=0))
        self.dealer_open_day = np.maximum(d.opened, 0)

    # ---- products and their mix by month and region ----
    def _products(self):
        cal = self.cal
        m = np.arange(cal.n_months)[:, None]
        launch = np.array([p[4] for p in PRODUCTS])[None, :]
        appeal = np.array([p[5] for p in PRODUCTS])[None, :]
        trend = np.array([p[6] for p in PRODUCTS])[None, :]
        since = m - launch
        ramp = np.where(since < 0, 0.0, np.minimum(1.0, 0.5 + 0.25 * since) * (1 + 0.3 * np.exp(-np.maximum(since, 0) / 6)))
        w = appeal * np.exp(trend * m / 12) * ramp
        ev_growth = np.exp(0.22 * m / 12)
        individual = np.empty((cal.n_months, len(REGIONS), len(PRODUCTS)))
        fleet = np.empty_like(individual)
        for r in range(len(REGIONS)):
            ev = np.where(PRODUCT_IS_EV[None, :], ev_growth * REGION_EV[r], 1.0)
            individual[:, r, :] = w * ev
            fleet[:, r, :] = FLEET_APPEAL[None, :] * ramp * ev
        self.mix_individual = individual.reshape(-1, len(PRODUCTS))
        self.mix_fleet = fleet.reshape(-1, len(PRODUCTS))
        self.mix_premium = self.mix_individual * (PRODUCT_PRICE / 150_000)[None, :] ** 2
        self.launch_month = launch[0]

    # ---- campaigns ----
    def _campaigns(self):
        rng, cal = self.rng("campaigns"), self.cal
        n = self.scale.campaigns
        span = cal.T - 75
        start = ((np.arange(n) + rng.random(n)) * span / n).astype(np.int64) + 14
        # care needs owners of some months' standing, retention owners of a year or more
        ctype = _pick_by_group(rng, (start >= 150).astype(np.int64) + (start >= 400), np.array([
            [0.5, 0.5, 0.0, 0.0], [0.35, 0.35, 0.3, 0.0], [0.27, 0.28, 0.2, 0.25]]))
        dur = np.select([ctype == 0, ctype == 1], [rng.integers(21, 61, n), rng.integers(10, 32, n)], rng.integers(30, 61, n))
        end = np.minimum(start + dur - 1, cal.T - 1)
        channel_options = {0: (2, 0, 3, 4), 1: (3, 0, 1, 2), 2: (3, 6, 1), 3: (6, 1, 3)}
        channel = np.array([channel_options[t][i % len(channel_options[t])] for t, i in zip(ctype, rng.integers(0, 12, n))])
        lo = np.array([2.0e6, 1.5e6, 0.4e6, 0.6e6])[ctype]
        hi = np.array([9.0e6, 7.0e6, 2.0e6, 3.0e6])[ctype]
        budget = _cents(np.round((lo + rng.random(n) * (hi - lo)) * self.money, -3))
        actual = _cents(budget * rng.uniform(0.85, 1.08, n))
        region_w = np.bincount(_PROVINCE_REGION, weights=[p[2] for p in PROVINCES], minlength=len(REGIONS))
        target = np.where(rng.random(n) < 0.45, _pick(rng, region_w, n), -1)
        # the true effect on the treatment arm's response rate: none, modest or strong, at least 20% of each
        n_zero, n_strong = max(1, round(0.3 * n)), max(1, round(0.3 * n))
        kind = np.array([0] * n_zero + [2] * n_strong + [1] * (n - n_zero - n_strong))
        rng.shuffle(kind)
        effect = np.select([kind == 1, kind == 2], [rng.uniform(0.01, 0.03, n), rng.uniform(0.05, 0.10, n)], 0.0)
        base_lo = np.array([0.02, 0.03, 0.08, 0.03])[ctype]
        base_hi = np.array([0.05, 0.06, 0.15, 0.07])[ctype]
        self.c_type, self.c_channel, self.c_start, self.c_end = ctype, channel, start, end
        self.c_budget, self.c_cost, self.c_target, self.c_effect = budget, actual, target, effect
        self.c_base = base_lo + rng.random(n) * (base_hi - base_lo)
        self.c_buy = np.array([0.22, 0.30, 0.04, 0.15])[ctype]
        self.c_frac = rng.uniform(0.02, 0.08, n)
        self.c_control = rng.uniform(0.10, 0.20, n)
        self.c_lead_shift = np.where(kind == 2, 0.3, np.where(kind == 1, 0.0, -0.4)) + rng.normal(0, 0.15, n)
        cost_per_lead = rng.uniform(1500, 5000, n)
        self.c_leads = np.where(ctype <= 1, np.round(actual / cost_per_lead), 0).astype(np.int64)
        self.c_name = self._campaign_names(rng, ctype, start, target)

    def _campaign_names(self, rng, ctype, start, target):
        themes = {
            0: ("Test-Drive Week", "Online Reservation Drive", "New Model Preview", "Auto Show Lead Drive"),
            2: ("Free Maintenance Day", "Owner Service Week", "Free Maintenance Day", "Owner Service Week"),
            3: ("Loyalty Trade-In Bonus", "Win-Back Service Voucher", "Owner Referral Reward", "Second-Car Offer"),
        }
        promo = {1: "New Year Offer", 2: "Spring Festival Offer", 3: "Spring Trade-In Offer", 4: "Spring Trade-In Offer",
                 5: "May Day Offer", 6: "618 Online Deals", 7: "Summer Finance Offer", 8: "Summer Finance Offer",
                 9: "Golden Week Offer", 10: "Golden Week Offer", 11: "Double 11 Deals", 12: "Year-End Sales Push"}
        care_season = {11: "Winter Care Check", 12: "Winter Care Check", 1: "Winter Care Check",
                       6: "Summer AC Check", 7: "Summer AC Check", 8: "Summer AC Check"}
        names, seen = [], {}
        pick = rng.integers(0, 4, len(ctype))
        for t, s, r, k in zip(ctype, start, target, pick):  # one name per campaign (about 40)
            day = self.cal.start + timedelta(days=int(s))
            if t == 1:
                theme = "Year-End Sales Push" if (day.month, day.day > 11) == (11, True) else promo[day.month]
            elif t == 2:
                theme = care_season.get(day.month, themes[2][k])
            else:
                theme = themes[int(t)][k]
            name = f"{day.year}年{zh.REGION[REGIONS[r]] if r >= 0 else ''}{zh.CAMPAIGN_THEME[theme]}"
            seen[name] = seen.get(name, 0) + 1
            names.append(name if seen[name] == 1 else f"{name} {seen[name]}")
        return names

    # ---- leads and the customers they bring ----
    def _funnel(self, rng, channel, dealer, created_s, win_shift):
        """Stage reached (0 none .. 4 won) and the timestamps of each stage, cut at the end of history."""
        n = len(channel)
        q = self.d.quality[dealer]
        p = FUNNEL[channel]
        u = rng.random((4, n))
        contacted = u[0] < p[:, 0]
        drive = contacted & (u[1] < _expit(_logit(p[:, 1]) + 0.30 * q))
        quote = drive & (u[2] < _expit(_logit(p[:, 2]) + 0.20 * q))
        won = quote & (u[3] < _expit(_logit(p[:, 3]) + 0.30 * q + win_shift))
        stage = contacted.astype(np.int64) + drive + quote + won
        walk_in = channel == CHANNELS.index("walk_in")
        h_contact = np.where(walk_in, rng.uniform(0.0, 0.25, n), p[:, 4] * np.exp(-0.55 * q) * rng.lognormal(0, 0.9, n))
        h_drive = np.where(walk_in, rng.lognormal(0.0, 1.0, n), rng.lognormal(np.log(60), 0.9, n))
        h_quote = rng.lognormal(np.log(3), 1.2, n)
        h_close = np.select(
            [stage == 4, stage == 0],
            [rng.lognormal(np.log(96), 0.9, n), rng.lognormal(np.log(400), 0.5, n)],
            rng.lognormal(np.log(240), 0.8, n),
        )
        ts = np.full((4, n), -1, dtype=np.int64)
        ts[0] = created_s + (h_contact * 3600).astype(np.int64)
        ts[1] = ts[0] + (h_drive * 3600).astype(np.int64)
        ts[2] = ts[1] + (h_quote * 3600).astype(np.int64)
        for k in range(3):
            ts[k] = np.where(stage > k, ts[k], -1)
        last = np.maximum(created_s, ts[:3].max(axis=0))
        closed = last + (h_close * 3600).astype(np.int64)
        end = self.cal.end_s
        ts = np.where(ts > end, -1, ts)
        is_open = closed > end
        closed = np.where(is_open, -1, closed)
        outcome = np.where(is_open, 0, np.where(stage == 4, 1, 2))
        reason_p = np.array([
            [0.00, 0.00, 0.00, 1.00, 0.00],
            [0.20, 0.30, 0.00, 0.50, 0.00],
            [0.35, 0.40, 0.15, 0.10, 0.00],
            [0.40, 0.25, 0.20, 0.00, 0.15],
            [0.20, 0.20, 0.20, 0.20, 0.20],
        ])
        reason = np.where(outcome == 2, _pick_by_group(rng, stage, reason_p), -1)
        return stage, ts, closed, outcome, reason

    def _lead_times(self, rng, channel, day):
        """Seconds from history start: showroom channels in opening hours, others spread over the waking day."""
        n = len(day)
        showroom = (channel == CHANNELS.index("walk_in")) | (channel == CHANNELS.index("auto_show"))
        hour = np.where(showroom, rng.uniform(9.0, 19.5, n), 7.0 + 16.0 * rng.beta(2.2, 1.8, n))
        return day * DAY_S + (hour * 3600).astype(np.int64)

    def _acquisition(self):
        rng, cal, d, N = self.rng("acquisition"), self.cal, self.d, self.scale.customers
        n_fleet = max(20, round(0.03 * N))
        n_buyers = N - n_fleet - round(0.10 * N)
        n_walkin = round(0.55 * n_buyers)
        # channel mix moves from media and web towards WeChat; auto shows cluster in their months
        x = np.arange(cal.n_months) / max(cal.n_months - 1, 1)
        moy = cal.moy[cal.month_start]
        show = np.select([moy == 4, moy == 11, moy == 8, moy == 9], [2.5, 2.0, 1.6, 1.3], 0.6)
        mix = np.stack([0.17 - 0.03 * x, 0.12 + 0 * x, 0.25 - 0.09 * x, 0.10 + 0.12 * x, 0.07 * show, 0.20 + 0 * x, 0.09 + 0 * x], axis=1)
        conv = FUNNEL[:, :4].prod(axis=1)
        mean_conv = float(((mix / mix.sum(1, keepdims=True)) @ conv).mean())

        # campaign leads: in the campaign's window and region, through the campaign's channel
        parts = []
        for c in range(len(self.c_type)):  # a loop over ~40 campaigns
            k = int(self.c_leads[c])
            if k == 0:
                continue
            rows = np.flatnonzero(d.region == self.c_target[c]) if self.c_target[c] >= 0 else np.arange(len(d.region))
            lo, hi = self.c_start[c], self.c_end[c] + 1
            w = self.w_leads[rows, lo:hi] * np.exp(-np.arange(hi - lo) / 20.0)[None, :]
            if w.sum() <= 0:
                continue
            di, ti = _sample_cells(rng, w, k)
            parts.append((rows[di], ti + lo, np.full(k, c)))
        c_dealer = np.concatenate([p[0] for p in parts]) if parts else np.zeros(0, np.int64)
        c_day = np.concatenate([p[1] for p in parts]) if parts else np.zeros(0, np.int64)
        c_camp = np.concatenate([p[2] for p in parts]) if parts else np.zeros(0, np.int64)
        c_chan = self.c_channel[c_camp]
        expected_campaign_wins = float((conv[c_chan] * np.exp(self.c_lead_shift[c_camp])).sum())

        n_organic = max(0, round((n_buyers - n_walkin - expected_campaign_wins) / mean_conv))
        o_dealer, o_day = _sample_cells(rng, self.w_leads, n_organic)
        o_chan = _pick_by_group(rng, cal.month[o_day], mix)
        dealer = np.concatenate([o_dealer, c_dealer])
        day = np.concatenate([o_day, c_day])
        chan = np.concatenate([o_chan, c_chan])
        camp = np.concatenate([np.full(n_organic, -1), c_camp])
        created = self._lead_times(rng, chan, day)
        shift = np.where(camp >= 0, self.c_lead_shift[np.maximum(camp, 0)], 0.0)
        stage, ts, closed, outcome, reason = self._funnel(rng, chan, dealer, created, shift)

        # walk-in buyers (no lead recorded); some shopped here before as a lost lead
        lag = 1.0 + 0.8 * np.exp(-np.arange(cal.T) / 12.0)  # won leads' sales lag ~2 weeks behind
        w_dealer, w_day = _sample_cells(rng, self.w_showroom * lag[None, :], n_walkin)
        prior = (rng.random(n_walkin) < 0.15) & (w_day >= 30)
        p_idx = np.flatnonzero(prior)
        gap = rng.integers(14, 121, len(p_idx))
        p_day = np.maximum(w_day[p_idx] - gap, self.dealer_open_day[w_dealer[p_idx]])
        keep = w_day[p_idx] - p_day >= 14
        p_idx, p_day = p_idx[keep], p_day[keep]
        p_chan = _pick(rng, [0.2, 0.15, 0.25, 0.2, 0.05, 0.0, 0.15], len(p_idx))
        p_created = self._lead_times(rng, p_chan, p_day)
        p_stage = rng.integers(0, 3, len(p_idx))  # dropped before a quote
        p_ts = np.full((4, len(p_idx)), -1, dtype=np.int64)
        p_ts[0] = np.where(p_stage >= 1, p_created + (rng.lognormal(np.log(3), 1.0, len(p_idx)) * 3600).astype(np.int64), -1)
        p_ts[1] = np.where(p_stage >= 2, p_ts[0] + rng.integers(1, 4, len(p_idx)) * DAY_S, -1)
        p_closed = np.maximum(p_created, p_ts[:2].max(axis=0)) + rng.integers(2, 6, len(p_idx)) * DAY_S
        p_reason = np.where(p_stage == 0, 3, _pick(rng, [0.45, 0.35, 0.2, 0.0, 0.0], len(p_idx)))

        # customers: A won-lead buyers | B walk-in buyers | C lead-only prospects | D fleets
        won = np.flatnonzero(outcome == 1)
        lost_engaged = np.flatnonzero((outcome == 2) & (stage >= 2))
        n_c = min(len(lost_engaged), round(0.10 * N))
        lead_only = np.sort(rng.choice(lost_engaged, n_c, replace=False))
        f_dealer, f_day = _sample_cells(rng, self.w_showroom, n_fleet)
        # about half the fleets are accounts from before the history: their first order here comes early
        early = rng.random(n_fleet) < 0.45
        f_day = np.where(early, np.maximum(rng.integers(0, 150, n_fleet), self.dealer_open_day[f_dealer]), f_day)
        n_a, n_b = len(won), n_walkin
        self.n_cust = n_a + n_b + n_c + n_fleet
        off_b, off_c, off_d = n_a, n_a + n_b, n_a + n_b + n_c

        cust_of_lead = np.full(len(dealer), -1, dtype=np.int64)
        cust_of_lead[won] = np.arange(n_a)
        cust_of_lead[lead_only] = off_c + np.arange(n_c)
        # the leads table, internal order: organic and campaign leads, then walk-in buyers' earlier leads
        self.l_dealer = np.concatenate([dealer, w_dealer[p_idx]])
        self.l_chan = np.concatenate([chan, p_chan])
        self.l_camp = np.concatenate([camp, np.full(len(p_idx), -1)])
        self.l_created = np.concatenate([created, p_created])
        self.l_ts = np.concatenate([ts, p_ts], axis=1)
        self.l_closed = np.concatenate([closed, p_closed])
        self.l_outcome = np.concatenate([outcome, np.full(len(p_idx), 2)])
        self.l_reason = np.concatenate([reason, p_reason])
        self.l_cust = np.concatenate([cust_of_lead, off_b + p_idx])

        self.cust_type = np.concatenate([np.zeros(off_d, np.int64), np.ones(n_fleet, np.int64)])
        self.cust_dealer = np.concatenate([dealer[won], w_dealer, dealer[lead_only], f_dealer])
        first_day = np.concatenate([day[won], w_day, day[lead_only], f_day])
        first_day[off_b + p_idx] = p_day
        self.cust_created = first_day
        acq = np.concatenate([chan[won], np.full(n_b, CHANNELS.index("walk_in")), chan[lead_only],
                              _pick(rng, [0.15, 0.4, 0.0, 0.0, 0.15, 0.0, 0.3], n_fleet)])
        acq[off_b + p_idx] = p_chan
        self.cust_acq = acq
        # the buyers' first sales: A at the won lead's dealer after it closed, B in the showroom, D fleets
        a_day = np.minimum(closed[won] // DAY_S + rng.integers(0, 5, n_a), cal.T - 1)
        self.first = {
            "cust": np.concatenate([np.arange(n_a), off_b + np.arange(n_b)]),
            "dealer": np.concatenate([dealer[won], w_dealer]),
            "day": np.concatenate([a_day, w_day]),
            "lead": np.concatenate([won, np.full(n_b, -1)]),
            "camp": np.concatenate([camp[won], np.full(n_b, -1)]),
        }
        self.fleet_first_day = f_day
        self.fleet_off = off_d

    # ---- sales ----
    def _sales_frame(self, rng, s):
        """Products, quantities and money for drawn sales (cust, dealer (-1 = direct), day, lead, camp)."""
        cal = self.cal
        n = len(s["cust"])
        fleet = self.cust_type[s["cust"]] == 1
        region = self.d.region[np.where(s["dealer"] >= 0, s["dealer"], self.cust_dealer[s["cust"]])]
        group = cal.month[s["day"]] * len(REGIONS) + region
        premium = s.get("premium", np.zeros(n, bool))
        product = np.select(
            [fleet, premium],
            [_pick_by_group(rng, group, self.mix_fleet), _pick_by_group(rng, group, self.mix_premium)],
            _pick_by_group(rng, group, self.mix_individual),
        )
        size = self.fleet_size[np.maximum(s["cust"] - self.fleet_off, 0)]
        qty = np.where(fleet, np.clip(np.rint(size * rng.lognormal(0, 0.35, n)), 2, 20), 1).astype(np.int64)
        age = np.maximum(cal.month[s["day"]] - self.launch_month[product], 0) / 12
        discount = rng.uniform(0.89, 0.995, n) - 0.012 * np.minimum(age, 4) - 0.025 * (cal.moy[s["day"]] == 12)
        discount = np.clip(discount - fleet * rng.uniform(0.02, 0.05, n), 0.85, 1.0)
        revenue = _cents(PRODUCT_PRICE[product] * discount * qty)
        clearance = rng.random(n) < 0.01  # run-out stock sold below cost
        cost = _cents(revenue * np.where(clearance, rng.uniform(1.0, 1.04, n), rng.uniform(0.80, 0.90, n)))
        s = {k: v for k, v in s.items() if k != "premium"}
        return {**s, "product": product, "qty": qty, "revenue": revenue, "cost": cost}

    def _first_sales(self):
        rng, cal = self.rng("sales-1"), self.cal
        n_fleet = len(self.fleet_first_day)
        # fleet size (typical vehicles per order) and how often it orders, heavy-tailed
        self.fleet_size = np.clip(rng.lognormal(np.log(6.0), 0.7, n_fleet), 2, 20)
        rate = rng.lognormal(np.log(1.8), 0.5, n_fleet)  # orders per year
        years_left = (cal.T - self.fleet_first_day) / 365.25
        k = rng.poisson(rate * years_left)
        owner = np.repeat(np.arange(n_fleet), k)
        repeat_day = _sample_days_between(rng, self.cum_national, self.fleet_first_day[owner] + 1, np.full(len(owner), cal.T - 1))
        f_cust = np.concatenate([np.arange(n_fleet), owner]) + self.fleet_off
        f_day = np.concatenate([self.fleet_first_day, repeat_day])
        home = self.cust_dealer[f_cust]
        direct = rng.random(len(f_cust)) < 0.35  # HQ's direct fleet sales carry no dealer
        # about one individual buyer in ten is a multi-car household (or a small business in a private
        # name): more vehicles over the years, mostly upmarket models
        first = self.first
        multi = np.flatnonzero(rng.random(len(first["cust"])) < 0.10)
        k = rng.poisson(0.45 * (cal.T - first["day"][multi]) / 365.25)
        src = np.repeat(multi, k)
        m_day = _sample_days_between(rng, self.cum_national, first["day"][src] + 60, np.full(len(src), cal.T - 1))
        m_ok = first["day"][src] + 60 <= cal.T - 1
        src, m_day = src[m_ok], m_day[m_ok]
        m_cust = first["cust"][src]
        n1, nf, nm = len(first["cust"]), len(f_cust), len(src)
        s = {
            "cust": np.concatenate([first["cust"], f_cust, m_cust]),
            "dealer": np.concatenate([first["dealer"], np.where(direct, -1, home), self.cust_dealer[m_cust]]),
            "day": np.concatenate([first["day"], f_day, m_day]),
            "lead": np.concatenate([first["lead"], np.full(nf + nm, -1)]),
            "camp": np.concatenate([first["camp"], np.full(nf + nm, -1)]),
            "premium": np.concatenate([np.zeros(n1 + nf, bool), np.ones(nm, bool)]),
        }
        self.sales = self._sales_frame(rng, s)
        # the customers' first bought product sets the income band
        first_product = np.full(self.n_cust, -1)
        order = np.lexsort((self.sales["day"], self.sales["cust"]))
        c, p = self.sales["cust"][order], self.sales["product"][order]
        head = np.r_[True, c[1:] != c[:-1]]
        first_product[c[head]] = p[head]
        self.first_sale_day = np.full(self.n_cust, cal.T + 10_000)
        self.first_sale_day[c[head]] = self.sales["day"][order][head]
        self.first_product = first_product

    # ---- after the sale: surveys, complaints, service visits and churn ----
    def _after_sales(self, rng, sales):
        cal, dq = self.cal, self.d.quality
        n = len(sales["cust"])
        fleet = self.cust_type[sales["cust"]] == 1
        svc_dealer = np.where(sales["dealer"] >= 0, sales["dealer"], self.cust_dealer[sales["cust"]])
        q = dq[svc_dealer]
        T = cal.T
        trig = {k: [] for k in ("cust", "dealer", "product", "day", "kind", "qty")}
        surv = {k: [] for k in ("cust", "dealer", "type", "day", "score", "event")}

        def add_trigger(idx, day, kind):
            ok = day <= T - 1
            for key, val in (("cust", sales["cust"][idx]), ("dealer", svc_dealer[idx]), ("product", sales["product"][idx]),
                             ("day", day), ("kind", np.broadcast_to(kind, idx.shape)), ("qty", sales["qty"][idx])):
                trig[key].append(np.asarray(val)[ok])

        def add_survey(dealer, cust, stype, day, score, event):
            ok = day <= T - 1
            for key, val in (("cust", cust), ("dealer", dealer), ("type", np.full(len(cust), stype)), ("day", day), ("score", score),
                             ("event", event)):
                surv[key].append(np.asarray(val)[ok])

        def score(qq, complained, size):
            return np.clip(np.rint(8.5 + 0.9 * qq - 3.0 * complained + rng.normal(0, 1.5, size)), 0, 10).astype(np.int64)

        # the sale itself: a complaint about the sales process, delivery or billing; the sales survey
        idx = np.arange(n)
        complained = rng.random(n) < 0.026 * np.exp(-0.5 * q)
        c_idx = idx[complained]
        add_trigger(c_idx, sales["day"][c_idx] + rng.integers(1, 46, len(c_idx)), -1)
        surveyed = rng.random(n) < np.where(fleet, 0.3, 0.55)
        s_score = score(q, complained, n)
        s_idx = idx[surveyed]
        add_survey(sales["dealer"][s_idx], sales["cust"][s_idx], 0, sales["day"][s_idx] + rng.integers(3, 15, len(s_idx)), s_score[s_idx],
                   s_idx)
        bad = complained | (surveyed & (s_score <= 6))

        # service visits, step by step: each visit may bring a complaint or a poor score, which raises the
        # chance that the owner stops coming (churn); worse dealers keep fewer owners
        vis = {k: [] for k in ("cust", "dealer", "day", "type", "revenue", "sale")}
        n_vis = 0  # visits recorded so far: a survey's event is its visit's index
        # Each owner has their own chance of leaving after a visit (BG/NBD's p ~ Beta(a, b)): some stay for years,
        # some leave after a visit or two. A worse dealer or a bad experience raises it, a fleet contract lowers it.
        # Drawn once per customer from its own stream, so both of an owner's vehicles share it.
        stay_logit = _logit(1.0 - self._leave_chance()[sales["cust"]])
        # about four buyers in five come back for the first maintenance at an average dealer
        alive = rng.random(n) < _expit(1.3 + 0.7 * q - 1.0 * bad + 1.0 * fleet)
        t_next = sales["day"] + np.where(fleet, rng.integers(60, 150, n), rng.integers(100, 300, n))
        stop_day = np.where(alive, T + 10_000, sales["day"])
        price_factor = np.sqrt(PRODUCT_PRICE[sales["product"]] / 150_000)
        qty_factor = sales["qty"] ** 0.8
        type_p = np.array([0.72, 0.12, 0.10, 0.06])
        median = np.array([650.0, 1800.0, 900.0, 4500.0])
        sigma = np.array([0.35, 0.6, 0.5, 0.7])
        type_complaint = np.array([0.8, 1.8, 2.2, 1.2])
        while True:  # one pass per service round (~10-20), over all owners at once
            act = np.flatnonzero(alive & (t_next <= T - 1))
            if act.size == 0:
                break
            m = act.size
            day = t_next[act]
            stype = _pick(rng, type_p, m)
            revenue = _cents(median[stype] * rng.lognormal(0, 1, m) ** sigma[stype] * price_factor[act] * qty_factor[act])
            for key, val in (("cust", sales["cust"][act]), ("dealer", svc_dealer[act]), ("day", day), ("type", stype), ("revenue", revenue),
                             ("sale", act)):
                vis[key].append(val)
            qa = q[act]
            comp = rng.random(m) < 0.029 * np.exp(-0.5 * qa) * PRODUCT_COMPLAINT[sales["product"][act]] * type_complaint[stype]
            add_trigger(act[comp], day[comp] + rng.integers(0, 21, int(comp.sum())), stype[comp])
            sv = rng.random(m) < 0.22
            sc = score(qa, comp, m)
            add_survey(svc_dealer[act][sv], sales["cust"][act][sv], 1, day[sv] + rng.integers(1, 8, int(sv.sum())), sc[sv],
                       n_vis + np.flatnonzero(sv))
            n_vis += m
            bad[act] |= comp | (sv & (sc <= 6))
            cont = rng.random(m) < _expit(stay_logit[act] + 0.5 * qa - 1.6 * bad[act] + 1.0 * fleet[act])
            stopped = act[~cont]
            alive[stopped] = False
            stop_day[stopped] = day[~cont]
            going = act[cont]
            gap = np.where(fleet[going], rng.gamma(5.0, 24.0, going.size), rng.gamma(5.0, 44.0, going.size))
            t_next[going] = day[cont] + np.maximum(gap, 30).astype(np.int64)
        visits = {k: _concat(v, np.float64 if k == "revenue" else np.int64) for k, v in vis.items()}
        triggers = {k: _concat(v) for k, v in trig.items()}
        surveys = {k: _concat(v) for k, v in surv.items()}
        return {"visits": visits, "triggers": triggers, "surveys": surveys, "bad": bad, "stop_day": stop_day}

    def _leave_chance(self) -> np.ndarray:
        """Each customer's chance of leaving after a service visit at an average dealer with no bad experience:
        Beta(1.5, 5), mean 23%, a tenth of owners under 6% and a tenth over 45%. (It was one 9% for everyone, with
        a quarter of buyers never coming back at all, so BG/NBD read the silences as slow buyers and found no
        dropout: every top customer showed 100% alive.)"""
        if not hasattr(self, "leave"):
            self.leave = self.rng("service-dropout").beta(1.5, 5.0, self.n_cust)
        return self.leave

    def _repurchases(self, exp1):
        """Individuals buy a second vehicle 2-5 years on, less often after a bad experience or once lapsed."""
        rng, cal = self.rng("repurchase"), self.cal
        s = self.sales
        ind = np.flatnonzero((self.cust_type[s["cust"]] == 0))
        q = self.d.quality[np.maximum(s["dealer"][ind], 0)]
        p = 0.34 * np.where(exp1["bad"][ind], 0.35, 1.0) * np.clip(1 + 0.15 * q, 0.6, 1.4)
        lo = s["day"][ind] + 730
        # the 2-5 year window may run past the end of history: only its part before the end can happen yet
        in_history = np.clip((cal.T - lo) / 1096, 0.0, 1.0)
        buy = ind[rng.random(len(ind)) < p * in_history]
        day = _sample_days_between(rng, self.cum_national, s["day"][buy] + 730, np.minimum(s["day"][buy] + 1825, cal.T - 1))
        keep = day < exp1["stop_day"][buy] + 365  # an owner who stopped coming a year ago has gone elsewhere
        buy, day = buy[keep], day[keep]
        self.s2 = {"cust": s["cust"][buy], "dealer": self.cust_dealer[s["cust"][buy]], "day": day,
                   "lead": np.full(len(buy), -1), "camp": np.full(len(buy), -1)}

    # ---- campaign contacts ----
    def _contacts(self):
        rng, cal, N = self.rng("contacts"), self.cal, self.n_cust
        region = self.d.region[self.cust_dealer]
        out = {k: [] for k in ("camp", "cust", "day", "arm", "resp")}
        buys = {k: [] for k in ("cust", "day", "camp")}
        care = {k: [] for k in ("cust", "day")}
        for c in range(len(self.c_type)):  # a loop over ~40 campaigns
            t, start, end = self.c_type[c], self.c_start[c], self.c_end[c]
            eligible = self.cust_created < start
            if t == 0:
                eligible &= self.first_sale_day > start
            elif t == 2:
                eligible &= self.first_sale_day <= start - 90
            elif t == 3:
                eligible &= self.first_sale_day <= start - 365
            if self.c_target[c] >= 0:
                eligible &= region == self.c_target[c]
            pool = np.flatnonzero(eligible)
            k = min(int(self.c_frac[c] * self.scale.customers), int(0.8 * len(pool)))
            if k <= 0:
                continue
            who = rng.choice(pool, k, replace=False)
            control = rng.random(k) < self.c_control[c]
            contacted = start + rng.integers(0, min(7, end - start + 1), k)
            p = self.c_base[c] + np.where(control, 0.0, self.c_effect[c])
            responded = rng.random(k) < p
            resp_day = contacted + np.minimum(rng.geometric(1 / 6, k) - 1, 60)
            responded &= (resp_day <= end) & (resp_day <= cal.T - 1)
            out["camp"].append(np.full(k, c))
            out["cust"].append(who)
            out["day"].append(contacted)
            out["arm"].append(control.astype(np.int64))
            out["resp"].append(np.where(responded, resp_day, -1))
            buy = responded & (rng.random(k) < self.c_buy[c])
            buy_day = resp_day + rng.integers(0, 30, k)
            buy &= buy_day <= cal.T - 1
            buys["cust"].append(who[buy])
            buys["day"].append(buy_day[buy])
            buys["camp"].append(np.where(control[buy], -1, c))
            if t >= 2:  # care and retention responders come in for a visit
                visit = responded & (rng.random(k) < (0.6 if t == 2 else 0.4)) & (self.first_sale_day[who] <= resp_day)
                v_day = resp_day + rng.integers(0, 15, k)
                visit &= v_day <= cal.T - 1
                care["cust"].append(who[visit])
                care["day"].append(v_day[visit])
        self.contacts = {k: _concat(v) for k, v in out.items()}
        b = {k: _concat(v) for k, v in buys.items()}
        self.s2 = {
            "cust": np.concatenate([self.s2["cust"], b["cust"]]),
            "dealer": np.concatenate([self.s2["dealer"], self.cust_dealer[b["cust"]]]),
            "day": np.concatenate([self.s2["day"], b["day"]]),
            "lead": np.concatenate([self.s2["lead"], np.full(len(b["cust"]), -1)]),
            "camp": np.concatenate([self.s2["camp"], b["camp"]]),
        }
        cv = {k: _concat(v) for k, v in care.items()}
        m = len(cv["cust"])
        price = PRODUCT_PRICE[np.maximum(self.first_product[cv["cust"]], 0)]
        self.care_visits = {
            "cust": cv["cust"], "dealer": self.cust_dealer[cv["cust"]], "day": cv["day"],
            "type": np.zeros(m, np.int64),
            "revenue": _cents(650 * rng.lognormal(0, 0.35, m) * np.sqrt(price / 150_000)),
            "sale": np.full(m, -1),  # the vehicle: the customer's latest purchase (found later)
        }

    def _attribute_campaigns(self):
        """A sale within 30 days after a treatment-arm response is credited to that campaign."""
        s, c = self.sales, self.contacts
        treat = (c["arm"] == 0) & (c["resp"] >= 0)
        key_r = c["cust"][treat] * 100_000 + c["resp"][treat]
        camp_r = c["camp"][treat]
        order = np.argsort(key_r, kind="stable")
        key_r, camp_r = key_r[order], camp_r[order]
        if len(key_r) == 0:
            return
        key_s = s["cust"] * 100_000 + s["day"]
        pos = np.searchsorted(key_r, key_s, side="right") - 1
        hit = pos >= 0
        pos = np.maximum(pos, 0)
        hit &= (key_r[pos] // 100_000 == s["cust"]) & (key_s - key_r[pos] <= 30)
        s["camp"] = np.where((s["camp"] < 0) & hit, camp_r[pos], s["camp"])

    # ---- complaints ----
    def _complaints(self, rng, tr):
        cal = self.cal
        n = len(tr["cust"])
        q = self.d.quality[tr["dealer"]]
        on_sale = tr["kind"] < 0
        sev = _pick_by_group(rng, np.where(tr["kind"] == 3, 1, 0), np.array([[0.52, 0.30, 0.13, 0.05], [0.25, 0.35, 0.28, 0.12]]))
        prod_issue = PRODUCT_COMPLAINT[tr["product"]] > 1.2
        cat_p = np.array([
            [0.00, 0.00, 0.45, 0.35, 0.00, 0.20],  # about the sale
            [0.25, 0.40, 0.00, 0.00, 0.20, 0.15],  # about a visit
            [0.55, 0.20, 0.00, 0.00, 0.15, 0.10],  # about a visit, on a model with a known issue
        ])
        category = _pick_by_group(rng, np.where(on_sale, 0, np.where(prod_issue, 2, 1)), cat_p)
        years = tr["day"] / 365.25
        ch_w = np.stack([0.38 - 0.03 * years, 0.20 + 0 * years, 0.10 + 0.03 * years, 0.22 - 0.01 * years, 0.10 + 0 * years], axis=1)
        channel = _pick_by_group(rng, np.arange(n), ch_w) if n else np.zeros(0, np.int64)
        product = np.where((category == 5) & (rng.random(n) < 0.5), -1, tr["product"])
        received = tr["day"] * DAY_S + (rng.uniform(8.0, 22.0, n) * 3600).astype(np.int64)
        h_dispatch = rng.lognormal(np.log(1.5), 0.9, n)
        h_ack = rng.lognormal(np.log(4.0), 1.0, n) * np.exp(-0.7 * q)
        deadline = SLA_HOURS[sev]
        h_resolve = deadline * np.exp(rng.normal(np.log(0.4) - 0.35 * q, 0.7, n))
        stuck = rng.random(n) < 0.04 * np.exp(-0.6 * q)  # waiting for parts, disputes
        h_resolve = np.where(stuck, h_resolve * rng.uniform(4, 12, n), h_resolve)
        reopen = np.where(rng.random(n) < 0.06 * np.exp(-0.4 * q), np.where(rng.random(n) < 0.15, 2, 1), 0)
        h_resolve = h_resolve + reopen * rng.uniform(48, 240, n)
        dispatched = received + (h_dispatch * 3600).astype(np.int64)
        acknowledged = dispatched + (h_ack * 3600).astype(np.int64)
        resolved = np.maximum(received + (h_resolve * 3600).astype(np.int64), acknowledged + (rng.uniform(0.5, 4, n) * 3600).astype(np.int64))
        closed = resolved + (rng.lognormal(np.log(24), 0.8, n) * 3600).astype(np.int64)
        late = resolved > received + deadline * 3600
        stamps = np.stack([dispatched, acknowledged, resolved, closed])
        stamps = np.where(stamps > cal.end_s, -1, stamps)
        # a stage not reached leaves the later ones empty too (the order is monotone, so this holds already)
        is_closed = stamps[3] >= 0
        cb = np.clip(np.rint(4.2 + 0.35 * q - 1.3 * late - 0.6 * (reopen > 0) + rng.normal(0, 0.7, n)), 1, 5).astype(np.int64)
        callback = np.where(is_closed, cb, -1)
        complaints = {"cust": tr["cust"], "dealer": tr["dealer"], "product": product, "channel": channel, "category": category,
                      "severity": sev, "received": received, "stamps": stamps, "reopen": reopen, "callback": callback}
        answered = is_closed & (rng.random(n) < 0.7)
        score = np.clip(np.rint(2 * cb - 0.5 + rng.normal(0, 1.0, n)), 0, 10).astype(np.int64)
        surveys = {"cust": tr["cust"][answered], "dealer": tr["dealer"][answered], "type": np.full(int(answered.sum()), 2),
                   "day": stamps[3][answered] // DAY_S, "score": score[answered], "event": np.flatnonzero(answered)}
        return complaints, surveys

    # ---- after-sales detail: the vehicle, its mileage, warranty costs, and the model with a warranty problem ----
    def _service_vehicles(self, rng, rng_problem, visits):
        """Each visit's vehicle (the sale it follows; a campaign visit: the customer's latest purchase), its
        mileage and, on a warranty visit, the manufacturer's cost; then the extra warranty visits of the model
        with a warranty problem, appended after the others (they take the next visit ids)."""
        cal, s = self.cal, self.sales
        n_sales = len(s["cust"])
        sale = visits["sale"].copy()
        care = np.flatnonzero(sale < 0)
        if care.size:
            # the customer's latest purchase on or before the visit
            order = np.lexsort((s["day"], s["cust"]))
            key_s = s["cust"][order] * 100_000 + s["day"][order]
            pos = np.searchsorted(key_s, visits["cust"][care] * 100_000 + visits["day"][care], side="right") - 1
            found = (pos >= 0) & (key_s[np.maximum(pos, 0)] // 100_000 == visits["cust"][care])
            sale[care] = np.where(found, order[np.maximum(pos, 0)], -1)
        # kilometres a year per vehicle: about 15-20 thousand for a private car, more for a fleet's
        fleet_sale = self.cust_type[s["cust"]] == 1
        km_year = np.where(fleet_sale, rng.lognormal(np.log(40_000), 0.3, n_sales), rng.lognormal(np.log(17_500), 0.22, n_sales))

        # the model with a warranty problem: per vehicle sold, claims at a rate rising with its age
        problem = PRODUCTS.index(next(p for p in PRODUCTS if p[0] == WARRANTY_PROBLEM_PRODUCT))
        owned = np.flatnonzero(s["product"] == problem)
        years = (cal.T - 1 - s["day"][owned]) / 365.25
        k = rng_problem.poisson(s["qty"][owned] * WARRANTY_PROBLEM_RATE * years ** 2.5 / 2.5)
        src = np.repeat(owned, k)
        # ages drawn from the cumulative rate (years ** 2.5): more claims the older the vehicle
        age_days = (np.repeat(years, k) * rng_problem.random(len(src)) ** (1 / 2.5) * 365.25).astype(np.int64)
        x_day = np.clip(s["day"][src] + np.maximum(age_days, 1), 0, cal.T - 1)
        x_dealer = np.where(s["dealer"][src] >= 0, s["dealer"][src], self.cust_dealer[s["cust"][src]])
        price_factor = np.sqrt(PRODUCT_PRICE[problem] / 150_000)
        x_revenue = _cents(1_600 * rng_problem.lognormal(0, 0.5, len(src)) * price_factor)
        n_extra = len(src)

        sale = np.concatenate([sale, src])
        day = np.concatenate([visits["day"], x_day])
        vtype = np.concatenate([visits["type"], np.full(n_extra, SERVICE_TYPES.index("warranty"))])
        revenue = np.concatenate([visits["revenue"], x_revenue])
        has = sale >= 0
        sl = np.maximum(sale, 0)
        age_years = np.maximum(day - s["day"][sl], 0) / 365.25
        mileage = np.maximum(km_year[sl] * age_years * rng.lognormal(0, 0.08, len(sale)), 0) + rng.integers(5, 60, len(sale))
        warranty = vtype == SERVICE_TYPES.index("warranty")
        # the manufacturer pays the dealer's warranty bill and the parts; the problem model's repair costs several times more
        cost_factor = np.where(np.arange(len(sale)) >= len(visits["day"]), rng.uniform(2.5, 5.0, len(sale)), rng.uniform(1.05, 1.6, len(sale)))
        return {
            "cust": np.concatenate([visits["cust"], s["cust"][src]]),
            "dealer": np.concatenate([visits["dealer"], x_dealer]),
            "day": day, "type": vtype, "revenue": revenue,
            "product": np.where(has, s["product"][sl], -1),
            "mileage": np.where(has, np.rint(mileage), -1).astype(np.int64),
            "warranty_cost": np.where(warranty, _cents(revenue * cost_factor), -1.0),
            "sale": sale, "sale_day": np.where(has, s["day"][sl], -1),
            "n_extra": n_extra,
        }

    # ---- satisfaction follow-up calls ----
    def _followup_calls(self, rng, visits, complaints, surveys):
        """Call attempts after sales, visits and resolved complaints.

        Every survey is the answer of one answered call (on its day or the day before); a closed complaint had
        its callback answered (csat = its callback score). Failed attempts (not reached or refused) come before an
        answered call, and for some events without a survey are all there is; worse dealers need more attempts
        and make their first call later. Many events without a survey get no call at all.
        """
        cal, q_of = self.cal, self.d.quality
        s, k = self.sales, complaints
        T_s = cal.end_s
        # events: (type, index) -> customer, dealer, day, the moment calls may start
        ev_cust = (s["cust"], visits["cust"], k["cust"])
        ev_dealer = (s["dealer"], visits["dealer"], k["dealer"])
        resolved = k["stamps"][2]
        ev_day = (s["day"], visits["day"], np.where(resolved >= 0, resolved // DAY_S, -1))
        ev_start = (s["day"] * DAY_S + 12 * 3600, visits["day"] * DAY_S + 12 * 3600, resolved)

        def q(t, idx):
            d = ev_dealer[t][idx]
            return np.where(d >= 0, q_of[np.maximum(d, 0)], 0.0)

        parts = []

        def add(t, idx, called, outcome, survey=None, csat=None):
            n = len(idx)
            parts.append({
                "type": np.full(n, t), "event": idx, "called": called, "outcome": np.full(n, outcome) if np.isscalar(outcome) else outcome,
                "survey": np.full(n, -1) if survey is None else survey, "csat": np.full(n, -1) if csat is None else csat,
            })

        def failed(t, idx, lo, hi):
            """Failed attempts between moments lo and hi of each event (refused now and then)."""
            n = len(idx)
            called = lo + (rng.random(n) * np.maximum(hi - lo, 0)).astype(np.int64)
            add(t, idx, called, np.where(rng.random(n) < 0.25, 1, 0))

        # answered calls: one per survey, on the survey's day or the day before (never before the event)
        st, se = surveys["type"], surveys["event"]
        sid = np.arange(len(st))
        hour = (rng.uniform(9.0, 20.0, len(st)) * 3600).astype(np.int64)
        back = np.where(rng.random(len(st)) < 0.2, DAY_S, 0)
        closed = k["stamps"][3]
        answered_at = np.where(
            st == 2,
            np.maximum(resolved[np.where(st == 2, se, 0)], closed[np.where(st == 2, se, 0)] - rng.integers(600, 7200, len(st))),
            surveys["day"] * DAY_S + hour - back,
        )
        start = np.select([st == 0, st == 1], [ev_start[0][np.where(st == 0, se, 0)], ev_start[1][np.where(st == 1, se, 0)]],
                          answered_at)
        answered_at = np.maximum(answered_at, np.where(st == 2, answered_at, start))
        # csat: the complaint's callback score, otherwise close to the survey's 0-10 score
        csat = np.where(st == 2, k["callback"][np.where(st == 2, se, 0)],
                        np.clip(np.rint(1.0 + 0.42 * surveys["score"] + rng.normal(0, 0.6, len(st))), 1, 5)).astype(np.int64)
        for t in range(3):
            m = st == t
            add(t, se[m], answered_at[m], 2, sid[m], csat[m])
            # failed attempts before the answer: more at worse dealers
            n_fail = rng.poisson(0.35 * np.exp(-0.7 * q(t, se[m])))
            idx = np.repeat(np.flatnonzero(m), n_fail)
            failed(t, se[idx], start[idx], answered_at[idx])

        # closed complaints without a survey: the callback was answered all the same
        surveyed_complaint = np.zeros(len(k["cust"]), bool)
        surveyed_complaint[se[st == 2]] = True
        cb = np.flatnonzero((closed >= 0) & ~surveyed_complaint)
        cb_at = np.maximum(resolved[cb], closed[cb] - rng.integers(600, 7200, len(cb)))
        add(2, cb, cb_at, 2, None, k["callback"][cb])
        n_fail = rng.poisson(0.35 * np.exp(-0.7 * q(2, cb)))
        idx = np.repeat(np.arange(len(cb)), n_fail)
        failed(2, cb[idx], resolved[cb][idx], cb_at[idx])

        # events without an answer: called or not; the called ones not reached or refused, later at worse dealers
        answered_event = [np.zeros(len(ev_cust[t]), bool) for t in range(3)]
        for t in range(3):
            answered_event[t][se[st == t]] = True
        answered_event[2][cb] = True
        p_call = (0.6, 0.35, 0.9)
        first_days = (4.0, 2.5, 1.0)
        for t in range(3):
            idx = np.flatnonzero(~answered_event[t] & (ev_day[t] >= 0))
            idx = idx[rng.random(len(idx)) < p_call[t]]
            qq = q(t, idx)
            first = ev_start[t][idx] + (rng.lognormal(np.log(first_days[t]) - 0.5 * qq, 0.5) * DAY_S).astype(np.int64)
            n_more = rng.poisson(0.6 * np.exp(-0.5 * qq))
            again = np.repeat(np.arange(len(idx)), n_more)
            later = first[again] + (rng.uniform(0.5, 3.0, len(again)) * DAY_S * (1 + rng.integers(0, 2, len(again)))).astype(np.int64)
            all_idx = np.concatenate([idx, idx[again]])
            called = np.concatenate([first, later])
            add(t, all_idx, called, np.where(rng.random(len(all_idx)) < 0.25, 1, 0))

        c = {key: np.concatenate([p[key] for p in parts]) for key in parts[0]}
        keep = c["called"] <= T_s
        c = {key: v[keep] for key, v in c.items()}
        t, e = c["type"], c["event"]
        pick = [np.where(t == i, e, 0) for i in range(3)]
        c["cust"] = np.select([t == 0, t == 1], [ev_cust[0][pick[0]], ev_cust[1][pick[1]]], ev_cust[2][pick[2]])
        c["dealer"] = np.select([t == 0, t == 1], [ev_dealer[0][pick[0]], ev_dealer[1][pick[1]]], ev_dealer[2][pick[2]])
        c["follows_day"] = np.select([t == 0, t == 1], [ev_day[0][pick[0]], ev_day[1][pick[1]]], ev_day[2][pick[2]])
        # a survey's call is made by the dealer the survey names (an HQ direct sale's: HQ, no dealer)
        has_survey = c["survey"] >= 0
        c["dealer"] = np.where(has_survey, surveys["dealer"][np.maximum(c["survey"], 0)], c["dealer"])
        return c

    # ---- targets ----
    def _targets(self, rng):
        """Monthly units and revenue targets per dealer: the dealer's expected volume (its size, region trend,
        opening ramp and the season, as demand is drawn), scaled to the network's sales, times the dealer's ambition."""
        cal, d, s = self.cal, self.d, self.sales
        nd = len(d.region)
        # expected volume per dealer and month: the showroom demand weights summed over the month's days (size,
        # region trend, opening ramp, season), each dealer's level pulled halfway towards its actual share of the
        # network's sales (the plan knows its big fleet accounts), scaled to the network's units of the year
        expected = np.add.reduceat(self.w_showroom, cal.month_start, axis=1)
        # A month the history starts or ends inside is planned whole, as a company plans it: its expected volume is
        # scaled from the generated days to the month's days (a mart ending on the 18th had a target for 18 days).
        generated_days = np.diff(np.append(cal.month_start, cal.T))
        first = np.datetime64(cal.start, "M")
        month_days = ((np.arange(cal.n_months) + first + 1).astype("datetime64[D]")
                      - (np.arange(cal.n_months) + first).astype("datetime64[D]")).astype(np.int64)
        expected = expected * (month_days / generated_days)[None, :]
        at_dealer = s["dealer"] >= 0
        units = np.bincount(s["dealer"][at_dealer], weights=s["qty"][at_dealer], minlength=nd)
        revenue = np.bincount(s["dealer"][at_dealer], weights=s["revenue"][at_dealer], minlength=nd)
        share_expected = expected.sum(axis=1) / expected.sum()
        share_actual = units / units.sum()
        expected = expected * (0.5 + 0.5 * share_actual / np.maximum(share_expected, 1e-12))[:, None]
        year = (cal.month_start / 365.25).astype(np.int64)
        sale_year = year[cal.month[s["day"][at_dealer]]]
        units_year = np.bincount(sale_year, weights=s["qty"][at_dealer], minlength=int(year.max()) + 1)
        expected_year = np.bincount(year, weights=expected.sum(axis=0), minlength=int(year.max()) + 1)
        # the last year is cut short: its scale is the year before's
        scale = units_year / np.maximum(expected_year, 1e-12)
        scale[-1] = scale[-2] if len(scale) > 1 else scale[-1]
        price = np.where(units > 0, revenue / np.maximum(units, 1), revenue.sum() / units.sum())
        # ambition: most dealers' plans sit near their expected volume, a few far above it; revised yearly
        ambition = np.exp(rng.normal(0.0, 0.15, nd) + np.where(rng.random(nd) < 0.12, rng.uniform(0.25, 0.45, nd), 0.0))
        yearly = np.exp(rng.normal(0.0, 0.05, (nd, int(year.max()) + 1)))[:, year]
        goal = scale[year][None, :] * expected * ambition[:, None] * yearly
        dealer, month = np.nonzero(expected > 0)
        return {
            "dealer": dealer, "month": month,
            "units": np.maximum(np.rint(goal[dealer, month]), 0).astype(np.int64),
            "revenue": _cents(goal[dealer, month] * price[dealer] * rng.uniform(0.98, 1.02, len(dealer))),
        }

    # ---- ids and Arrow tables ----
    def _to_arrow(self, visits, complaints, surveys, calls, targets) -> dict[str, pa.Table]:
        cal, d = self.cal, self.d
        t0 = cal.t0

        def day(x, mask=None):  # day index -> DATE
            return pa.array((x + t0).astype(np.int32), type=pa.date32(), mask=mask)

        def ts(x, mask=None):  # seconds from the first day -> TIMESTAMP
            return pa.array((x + t0 * DAY_S) * 1_000_000, type=pa.timestamp("us"), mask=mask)

        out: dict[str, pa.Table] = {}
        nd = len(d.region)
        out["dealers"] = pa.table({
            "dealer_id": pa.array(np.arange(1, nd + 1, dtype=np.int32)),
            "dealer_name": pa.array(d.name),
            "region": _dict_array(d.region, _ZH_REGIONS),
            "province": _dict_array(d.province, _ZH_PROVINCES),
            "city": _dict_array(d.city, _ZH_CITIES),
            "tier": _dict_array(d.tier, TIERS),
            "opened_on": day(d.opened),
        })
        launch = np.array([(cal.first_of_month(p[4]) - cal.start).days for p in PRODUCTS])
        out["products"] = pa.table({
            "product_id": pa.array([p[0] for p in PRODUCTS]),
            "product_name": pa.array([zh.PRODUCT_NAME[p[1]] for p in PRODUCTS]),
            "category": pa.array([zh.CATEGORY[p[2]] for p in PRODUCTS]),
            "launched_on": day(launch),
            "list_price": pa.array(PRODUCT_PRICE),
        })
        nc = len(self.c_type)
        out["campaigns"] = pa.table({
            "campaign_id": pa.array(np.arange(1, nc + 1, dtype=np.int32)),
            "campaign_name": pa.array(self.c_name),
            "campaign_type": _dict_array(self.c_type, CAMPAIGN_TYPES),
            "channel": _dict_array(self.c_channel, CHANNELS),
            "start_on": day(self.c_start),
            "end_on": day(self.c_end),
            "budget": pa.array(self.c_budget),
            "actual_cost": pa.array(self.c_cost),
            "target_region": _dict_array(np.maximum(self.c_target, 0), _ZH_REGIONS, self.c_target < 0),
        })

        # customers: ids in order of creation
        rng = self.rng("customers")
        N = self.n_cust
        order = np.lexsort((np.arange(N), self.cust_created))
        cid = np.empty(N, dtype=np.int64)
        cid[order] = np.arange(1, N + 1)
        fleet = self.cust_type == 1
        gender = np.where(rng.random(N) < 0.63, 1, 0)
        age = np.clip(rng.normal(37, 9, N), 20, 70)
        birth = (cal.start.year + self.cust_created / 365.25 - age).astype(np.int64)
        price = PRODUCT_PRICE[np.maximum(self.first_product, 0)]
        income_group = np.where(self.first_product < 0, 3, np.where(price < 120_000, 0, np.where(price < 200_000, 1, 2)))
        income = _pick_by_group(rng, income_group, np.array([
            [0.35, 0.45, 0.17, 0.03], [0.15, 0.45, 0.32, 0.08], [0.05, 0.25, 0.50, 0.20], [0.25, 0.42, 0.26, 0.07]]))
        home_city = d.city[self.cust_dealer]
        u = rng.random(N)
        # most live in their dealer's city, some elsewhere in the province; a few records lack the address
        prov_cities = [np.flatnonzero(_CITY_PROVINCE == pi) for pi in range(len(PROVINCES))]
        alt = np.array([cs[0] for cs in prov_cities])[_CITY_PROVINCE[home_city]]
        other = np.array([cs[-1] for cs in prov_cities])[_CITY_PROVINCE[home_city]]
        city = np.where((u > 0.88) & (u <= 0.95), np.where(home_city == alt, other, alt), home_city)
        no_address = u > 0.97

        def perm(a):  # internal customer order -> customer_id order
            return a[order]

        out["customers"] = pa.table({
            "customer_id": pa.array(np.arange(1, N + 1, dtype=np.int64)),
            "customer_type": _dict_array(perm(self.cust_type), CUSTOMER_TYPES),
            "gender": _dict_array(perm(gender), GENDERS, perm(fleet | (rng.random(N) < 0.02))),
            "birth_year": pa.array(perm(birth).astype(np.int16), mask=perm(fleet | (rng.random(N) < 0.04))),
            "province": _dict_array(perm(_CITY_PROVINCE[city]), _ZH_PROVINCES, perm(no_address & (u > 0.99))),
            "city": _dict_array(perm(city), _ZH_CITIES, perm(no_address)),
            "income_band": _dict_array(perm(income), [zh.INCOME_BAND[b] for b in INCOME_BANDS],
                                       perm(fleet | (rng.random(N) < 0.06))),
            "acquisition_channel": _dict_array(perm(self.cust_acq), CHANNELS, perm(rng.random(N) < 0.02)),
            "home_dealer_id": pa.array(perm(self.cust_dealer + 1).astype(np.int32)),
            "created_on": day(perm(self.cust_created)),
        })

        # leads
        nl = len(self.l_dealer)
        lorder = np.lexsort((np.arange(nl), self.l_created))
        lid = np.empty(nl, dtype=np.int64)
        lid[lorder] = np.arange(1, nl + 1)

        def L(a):  # noqa: N802 - internal lead order -> lead_id order
            return a[lorder]

        lts = self.l_ts[:, lorder]
        out["leads"] = pa.table({
            "lead_id": pa.array(np.arange(1, nl + 1, dtype=np.int64)),
            "dealer_id": pa.array(L(self.l_dealer + 1).astype(np.int32)),
            "source_channel": _dict_array(L(self.l_chan), CHANNELS),
            "campaign_id": pa.array(L(self.l_camp + 1).astype(np.int32), mask=L(self.l_camp < 0)),
            "created_at": ts(L(self.l_created)),
            "contacted_at": ts(lts[0], lts[0] < 0),
            "test_drive_at": ts(lts[1], lts[1] < 0),
            "quoted_at": ts(lts[2], lts[2] < 0),
            "closed_at": ts(L(self.l_closed), L(self.l_closed) < 0),
            "outcome": _dict_array(L(self.l_outcome), OUTCOMES),
            "lost_reason": _dict_array(np.maximum(L(self.l_reason), 0), [zh.LOST_REASON[r] for r in LOST_REASONS],
                                       L(self.l_reason) < 0),
            "customer_id": pa.array(cid[np.maximum(L(self.l_cust), 0)], mask=L(self.l_cust) < 0),
        })
        self.log(f"ids given: {N:,} customers, {nl:,} leads")

        s = self.sales
        ns = len(s["cust"])
        so = np.lexsort((np.arange(ns), s["day"]))

        def S(a):  # noqa: N802 - internal sale order -> sale_id order
            return a[so]

        out["sales"] = pa.table({
            "sale_id": pa.array(np.arange(1, ns + 1, dtype=np.int64)),
            "customer_id": pa.array(cid[S(s["cust"])]),
            "dealer_id": pa.array(S(s["dealer"] + 1).astype(np.int32), mask=S(s["dealer"] < 0)),
            "product_id": _dict_array(S(s["product"]), [p[0] for p in PRODUCTS]),
            "sold_on": day(S(s["day"])),
            "quantity": pa.array(S(s["qty"]).astype(np.int32)),
            "revenue": pa.array(S(s["revenue"])),
            "cost": pa.array(S(s["cost"])),
            "lead_id": pa.array(lid[np.maximum(S(s["lead"]), 0)], mask=S(s["lead"]) < 0),
            "campaign_id": pa.array(S(s["camp"] + 1).astype(np.int32), mask=S(s["camp"]) < 0),
        })
        del self.sales
        sale_id = np.empty(ns, dtype=np.int64)
        sale_id[so] = np.arange(1, ns + 1)

        # visits in date order; the extra warranty visits (appended last) take the ids after them
        nv = len(visits["cust"])
        nb = nv - int(visits["n_extra"])
        vo = np.concatenate([np.lexsort((np.arange(nb), visits["day"][:nb])),
                             nb + np.lexsort((np.arange(nv - nb), visits["day"][nb:]))])
        visit_id = np.empty(nv, dtype=np.int64)
        visit_id[vo] = np.arange(1, nv + 1)
        product, mileage, warranty_cost = visits["product"][vo], visits["mileage"][vo], visits["warranty_cost"][vo]
        out["service_visits"] = pa.table({
            "visit_id": pa.array(np.arange(1, nv + 1, dtype=np.int64)),
            "customer_id": pa.array(cid[visits["cust"][vo]]),
            "dealer_id": pa.array((visits["dealer"][vo] + 1).astype(np.int32)),
            "visited_on": day(visits["day"][vo]),
            "service_type": _dict_array(visits["type"][vo], SERVICE_TYPES),
            "revenue": pa.array(visits["revenue"][vo]),
            "product_id": _dict_array(np.maximum(product, 0), [p[0] for p in PRODUCTS], product < 0),
            "mileage_km": pa.array(mileage.astype(np.int32), mask=mileage < 0),
            "warranty_cost": pa.array(warranty_cost, mask=warranty_cost < 0),
        })
        del visits

        c = self.contacts
        co = np.lexsort((cid[c["cust"]], c["camp"]))
        out["campaign_contacts"] = pa.table({
            "campaign_id": pa.array((c["camp"][co] + 1).astype(np.int32)),
            "customer_id": pa.array(cid[c["cust"][co]]),
            "contacted_on": day(c["day"][co]),
            "arm": _dict_array(c["arm"][co], ARMS),
            "responded_on": day(np.maximum(c["resp"][co], 0), c["resp"][co] < 0),
        })

        k = complaints
        nk = len(k["cust"])
        ko = np.lexsort((np.arange(nk), k["received"]))
        complaint_id = np.empty(nk, dtype=np.int64)
        complaint_id[ko] = np.arange(1, nk + 1)
        st = k["stamps"][:, ko]
        out["complaints"] = pa.table({
            "complaint_id": pa.array(np.arange(1, nk + 1, dtype=np.int64)),
            "customer_id": pa.array(cid[k["cust"][ko]]),
            "dealer_id": pa.array((k["dealer"][ko] + 1).astype(np.int32)),
            "product_id": _dict_array(np.maximum(k["product"][ko], 0), [p[0] for p in PRODUCTS], k["product"][ko] < 0),
            "channel": _dict_array(k["channel"][ko], [zh.COMPLAINT_CHANNEL[c] for c in COMPLAINT_CHANNELS]),
            "category": _dict_array(k["category"][ko], [zh.COMPLAINT_CATEGORY[c] for c in COMPLAINT_CATEGORIES]),
            "severity": _dict_array(k["severity"][ko], SEVERITIES),
            "received_at": ts(k["received"][ko]),
            "dispatched_at": ts(st[0], st[0] < 0),
            "acknowledged_at": ts(st[1], st[1] < 0),
            "resolved_at": ts(st[2], st[2] < 0),
            "closed_at": ts(st[3], st[3] < 0),
            "reopen_count": pa.array(k["reopen"][ko].astype(np.int16)),
            "callback_score": pa.array(k["callback"][ko].astype(np.int16), mask=k["callback"][ko] < 0),
        })

        v = surveys
        nv = len(v["cust"])
        vo = np.lexsort((np.arange(nv), v["day"]))
        out["surveys"] = pa.table({
            "survey_id": pa.array(np.arange(1, nv + 1, dtype=np.int64)),
            "customer_id": pa.array(cid[v["cust"][vo]]),
            "dealer_id": pa.array((v["dealer"][vo] + 1).astype(np.int32), mask=v["dealer"][vo] < 0),
            "survey_type": _dict_array(v["type"][vo], SURVEY_TYPES),
            "surveyed_on": day(v["day"][vo]),
            "score": pa.array(v["score"][vo].astype(np.int16)),
        })
        survey_id = np.empty(nv, dtype=np.int64)
        survey_id[vo] = np.arange(1, nv + 1)

        c = calls
        nc = len(c["cust"])
        co = np.lexsort((np.arange(nc), c["called"]))
        ctype, event = c["type"][co], c["event"][co]
        number = np.select([ctype == 0, ctype == 1], [sale_id[np.where(ctype == 0, event, 0)], visit_id[np.where(ctype == 1, event, 0)]],
                           complaint_id[np.where(ctype == 2, event, 0)])
        prefixes = pa.array([KEY_CODES[key][0] for key in ("sale_id", "visit_id", "complaint_id")])
        widths = {KEY_CODES[key][1] for key in ("sale_id", "visit_id", "complaint_id")}
        (width,) = widths
        follows_id = pc.binary_join_element_wise(
            pc.take(prefixes, pa.array(ctype)), pc.utf8_lpad(pc.cast(pa.array(number), pa.string()), width, "0"), "")
        survey, csat = c["survey"][co], c["csat"][co]
        out["followup_calls"] = pa.table({
            "call_id": pa.array(np.arange(1, nc + 1, dtype=np.int64)),
            "customer_id": pa.array(cid[c["cust"][co]]),
            "dealer_id": pa.array((c["dealer"][co] + 1).astype(np.int32), mask=c["dealer"][co] < 0),
            "call_type": _dict_array(ctype, SURVEY_TYPES),
            "follows_id": follows_id,
            "follows_on": day(c["follows_day"][co]),
            "called_at": ts(c["called"][co]),
            "outcome": _dict_array(c["outcome"][co], CALL_OUTCOMES),
            "survey_id": pa.array(survey_id[np.maximum(survey, 0)], mask=survey < 0),
            "csat": pa.array(csat.astype(np.int16), mask=csat < 0),
        })

        g = targets
        go = np.lexsort((g["month"], g["dealer"]))
        months = np.array([(cal.first_of_month(int(m)) - _EPOCH).days for m in range(cal.n_months)], dtype=np.int32)
        out["targets"] = pa.table({
            "dealer_id": pa.array((g["dealer"][go] + 1).astype(np.int32)),
            "month": pa.array(months[g["month"][go]], type=pa.date32()),
            "units_target": pa.array(g["units"][go].astype(np.int32)),
            "revenue_target": pa.array(g["revenue"][go]),
        })
        return out
