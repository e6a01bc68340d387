"""Customer lifetime value from a probabilistic repeat-purchase model, fitted by maximum likelihood.

Two models, each with its log-likelihood written from the published formulas and maximised with
scipy.optimize (L-BFGS-B, analytic gradients, parameters on the log scale so they stay positive):

- BG/NBD (Fader, Hardie & Lee 2005, "Counting your customers the easy way"): while alive, a customer buys
  as a Poisson process with rate lambda ~ Gamma(r, alpha); after every purchase they drop out with
  probability p ~ Beta(a, b). A customer is summarised by x (repeat purchases), t_x (time of the last one)
  and T (time observed), all counted from their first purchase. A purchase is a day: several rows on one day are
  one purchase worth their sum (queries/clv_customers.sql summarises them so, and picks one kind of transaction).
- Gamma-Gamma (Fader & Hardie 2013, "The Gamma-Gamma model of monetary value"): a customer's transaction
  values are Gamma(p, nu) around their own mean, with nu ~ Gamma(q, gamma) across customers; fitted on the
  average value m_x of the x > 0 repeat purchases. It assumes spend does not depend on frequency: the page
  shows their correlation so a reader can judge.

The expected value of a customer over the next t weeks is E[repeat purchases in t] x E[value of a purchase].
Time is in weeks throughout. Nothing here knows about Streamlit or the mart: the inputs are arrays or the
frame of queries/clv_customers.sql, so the module is tested on data drawn from known parameters.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import polars as pl

DAYS_PER_WEEK = 7.0
HORIZON_WEEKS = 52.0  # "12-month" value: the next 52 weeks
HOLDOUT_WEEKS = 52.0
MIN_CALIBRATION_WEEKS = 26.0  # less history before the holdout and the check is not made
HOLDOUT_GROUPS = 8  # the holdout chart groups customers by repeat purchases 0..6 and 7+
MIN_CUSTOMERS = 50  # fewer and no model is fitted
PILOT_ROWS = 10_000  # distinct histories in the pilot fit that finds where the full fit starts


@dataclass(frozen=True)
class BgNbd:
    r: float
    alpha: float
    a: float
    b: float
    log_likelihood: float
    count_customers: int
    converged: bool

    def params(self) -> dict[str, float]:
        return {"r": self.r, "alpha": self.alpha, "a": self.a, "b": self.b}


@dataclass(frozen=True)
class GammaGamma:
    p: float
    q: float
    gamma: float
    log_likelihood: float
    count_customers: int
    converged: bool

    def params(self) -> dict[str, float]:
        return {"p": self.p, "q": self.q, "gamma": self.gamma}

    def mean_value(self) -> float:
        """The population's mean transaction value, p * gamma / (q - 1) (infinite for q <= 1)."""
        return self.p * self.gamma / (self.q - 1) if self.q > 1 else float("inf")


# --- BG/NBD ----------------------------------------------------------------------------------------------

def _as_arrays(*values):
    return [np.asarray(v, dtype=float) for v in values]


def bgnbd_log_likelihood(r, alpha, a, b, x, t_x, T) -> np.ndarray:
    """Each customer's log-likelihood (FHL 2005, eq. 6):
    L = B(a, b+x)/B(a, b) * G(r+x) alpha^r / (G(r) (alpha+T)^(r+x))
        + [x > 0] B(a+1, b+x-1)/B(a, b) * G(r+x) alpha^r / (G(r) (alpha+t_x)^(r+x))."""
    from scipy.special import gammaln

    x, t_x, T = _as_arrays(x, t_x, T)
    common = (gammaln(r + x) - gammaln(r) + r * np.log(alpha)
              + gammaln(a + b) + gammaln(b + x) - gammaln(b) - gammaln(a + b + x))
    alive = -(r + x) * np.log(alpha + T)
    with np.errstate(divide="ignore", invalid="ignore"):
        dropped = np.where(x > 0, np.log(a) - np.log(b + x - 1) - (r + x) * np.log(alpha + t_x), -np.inf)
    return common + np.logaddexp(alive, dropped)


def _bgnbd_objective(theta, x, t_x, T, weights, x_values, x_index):
    """Negative total log-likelihood and its gradient in log-parameters. Terms that depend on x alone are
    computed once per distinct x (a few hundred values) and looked up, so a customer costs two logarithms."""
    from scipy.special import digamma, gammaln

    r, alpha, a, b = np.exp(theta)
    xv = x_values
    repeat_v = xv > 0
    b_x1 = np.where(repeat_v, b + xv - 1, 1.0)
    ll_v = gammaln(r + xv) - gammaln(r) + gammaln(a + b) + gammaln(b + xv) - gammaln(b) - gammaln(a + b + xv) + r * np.log(alpha)
    drop_v = np.where(repeat_v, np.log(a) - np.log(b_x1), -np.inf)  # ln(a / (b + x - 1)) where x > 0
    d_r_v = digamma(r + xv) - digamma(r) + np.log(alpha)
    d_a_v = digamma(a + b) - digamma(a + b + xv)
    d_b_v = digamma(a + b) + digamma(b + xv) - digamma(b) - digamma(a + b + xv)
    inv_b_x1 = np.where(repeat_v, 1.0 / b_x1, 0.0)

    rx = r + x
    log_aT = np.log(alpha + T)
    log_atx = np.log(alpha + t_x)
    log_alive = -rx * log_aT
    log_dropped = drop_v[x_index] - rx * log_atx
    total = np.logaddexp(log_alive, log_dropped)
    w_dropped = np.exp(log_dropped - total)  # the share of the likelihood from "dropped out after t_x"
    w_alive = 1.0 - w_dropped

    ll = ll_v[x_index] + total
    g_r = d_r_v[x_index] - w_alive * log_aT - w_dropped * log_atx
    g_alpha = r / alpha - rx * (w_alive / (alpha + T) + w_dropped / (alpha + t_x))
    g_a = d_a_v[x_index] + w_dropped / a
    g_b = d_b_v[x_index] - w_dropped * inv_b_x1[x_index]

    # Weighted sums without BLAS: a BLAS dot product waits on its thread pool when the cores are busy.
    value = -(weights * ll).sum()
    grad = -np.array([(weights * g).sum() for g in (g_r, g_alpha, g_a, g_b)]) * np.array([r, alpha, a, b])
    return value, grad


def fit_bgnbd(x, t_x, T, weights=None) -> BgNbd:
    """Maximum-likelihood BG/NBD parameters. Customers with the same (x, t_x, T) are counted once, weighted."""
    x, t_x, T = _as_arrays(x, t_x, T)
    w = np.ones_like(x) if weights is None else np.asarray(weights, dtype=float)
    # A hash group-by (numpy's unique over rows sorts them as opaque records, ten times slower), then a sort, so
    # the same customers in any order give the same sample, the same sums and the same fit to the last digit.
    rows = (
        pl.DataFrame({"x": x, "t_x": t_x, "T": T, "w": w})
        .group_by("x", "t_x", "T").agg(pl.col("w").sum())
        .sort("x", "t_x", "T")
    )
    ux, ut_x, uT, w = (rows[c].to_numpy() for c in ("x", "t_x", "T", "w"))
    # Where dropout is rare the likelihood has a long flat ridge and more than one hilltop (dropout ~ 0 for all,
    # or for all but a few who leave at once), so the search starts from several places: an even chance of
    # dropping out, a rare one, and slower buyers who leave more. Each start climbs on a fixed sample of the
    # distinct histories (a tenth of the cost on the m mart); the best then climbs on all the data.
    rate = max(float((w * ux).sum() / max((w * uT).sum(), 1e-9)), 1e-3)
    starts = [np.log([1.0, 1.0 / rate, 1.0, 1.0]), np.log([1.0, 1.0 / rate, 0.05, 1.0]), np.log([0.5, 2.0 / rate, 1.0, 5.0])]
    sample = slice(None)
    if ux.size > PILOT_ROWS:
        sample = np.sort(np.random.default_rng(0).choice(ux.size, PILOT_ROWS, replace=False))
    # The starts only need to find the right hill, not its top: a loose tolerance saves most of their steps.
    climbs = [_maximise(start, ux[sample], ut_x[sample], uT[sample], w[sample], ftol=1e-6) for start in starts]
    theta = max(climbs, key=lambda climb: climb[1])[0]
    theta, log_likelihood, converged = _maximise(theta, ux, ut_x, uT, w)
    r, alpha, a, b = np.exp(theta)
    return BgNbd(float(r), float(alpha), float(a), float(b), log_likelihood, int(w.sum()), converged)


def _maximise(theta, x, t_x, T, w, ftol: float = 1e-12) -> tuple[np.ndarray, float, bool]:
    """The final climb's tolerances are tight: where dropout is rare the hilltop is a long flat ridge in (a, b), and
    scipy's defaults (ftol 2.2e-9, gtol 1e-5) stopped on Online Retail 0.007 units of log-likelihood short of the top,
    with a 38% too high (tests/test_load_online_retail.py). The extra steps cost a few hundredths of a second."""
    from scipy.optimize import minimize

    x_values, x_index = np.unique(x, return_inverse=True)
    result = minimize(
        _bgnbd_objective, np.clip(theta, -11.9, 11.9), args=(x, t_x, T, w, x_values, x_index), jac=True,
        method="L-BFGS-B", bounds=[(-12, 12)] * 4, options={"maxiter": 500, "ftol": ftol, "gtol": 1e-8},
    )
    return result.x, float(-result.fun), bool(result.success)


def expected_transactions(model: BgNbd, t: float, x, t_x, T) -> np.ndarray:
    """E[repeat purchases in (T, T + t] | x, t_x, T] (FHL 2005, eq. 10), with the hypergeometric term
    rewritten by Euler's transformation, (1-z)^(r+x) 2F1(r+x, b+x; c; z) = (1-z)^(a-1) 2F1(a+b-1-r, a-1; c; z)
    with c = a+b+x-1, whose series stays near 1 where the original overflows for frequent buyers."""
    from scipy.special import expit, hyp2f1

    x, t_x, T = _as_arrays(x, t_x, T)
    r, alpha, b = model.r, model.alpha, model.b
    a = _away_from_one(model.a)
    z = t / (alpha + T + t)
    c = a + b + x - 1
    bracket = 1 - (1 - z) ** (a - 1) * hyp2f1(a + b - 1 - r, a - 1, c, z)
    return (c / (a - 1)) * bracket * _p_alive(r, alpha, a, b, x, t_x, T, expit)


def _away_from_one(a: float) -> float:
    # (a+b+x-1)/(a-1) times a bracket that also vanishes at a = 1: the limit exists, the division does not.
    return a if abs(a - 1) > 1e-9 else 1 + 1e-9


def p_alive(model: BgNbd, x, t_x, T) -> np.ndarray:
    """P(still active | x, t_x, T) = 1 / (1 + [x > 0] a/(b+x-1) ((alpha+T)/(alpha+t_x))^(r+x)) (FHL 2005, eq. 13)."""
    from scipy.special import expit

    x, t_x, T = _as_arrays(x, t_x, T)
    return _p_alive(model.r, model.alpha, model.a, model.b, x, t_x, T, expit)


def _p_alive(r, alpha, a, b, x, t_x, T, expit):
    with np.errstate(divide="ignore", invalid="ignore"):
        log_odds_dead = np.log(a) - np.log(b + x - 1) + (r + x) * (np.log(alpha + T) - np.log(alpha + t_x))
    return np.where(x > 0, expit(-log_odds_dead), 1.0)


def expected_transactions_new(model: BgNbd, t: float) -> float:
    """E[purchases in (0, t]] for a customer just acquired, not counting the first (FHL 2005, eq. 9)."""
    from scipy.special import hyp2f1

    r, alpha, b = model.r, model.alpha, model.b
    a = _away_from_one(model.a)
    z = t / (alpha + t)
    return float((a + b - 1) / (a - 1) * (1 - (alpha / (alpha + t)) ** r * hyp2f1(r, b, a + b - 1, z)))


# --- Gamma-Gamma -----------------------------------------------------------------------------------------

def gamma_gamma_log_likelihood(p, q, gamma, x, m_x) -> np.ndarray:
    """Each customer's log-likelihood of their average value m_x over x purchases (Fader & Hardie 2013, eq. 3):
    f(m_x) = G(px+q) / (G(px) G(q)) * gamma^q x^(px) m_x^(px-1) / (gamma + x m_x)^(px+q)."""
    from scipy.special import gammaln

    x, m_x = _as_arrays(x, m_x)
    px = p * x
    return (gammaln(px + q) - gammaln(px) - gammaln(q) + q * np.log(gamma)
            + (px - 1) * np.log(m_x) + px * np.log(x) - (px + q) * np.log(gamma + x * m_x))


def _gamma_gamma_objective(theta, x, m_x, log_m, x_values, x_index, x_counts):
    """Negative total log-likelihood and gradient in log-parameters; the Gamma functions depend on x alone and
    are computed once per distinct x."""
    from scipy.special import digamma, gammaln

    p, q, gamma = np.exp(theta)
    xv = x_values
    pxv = p * xv
    ll_v = gammaln(pxv + q) - gammaln(pxv) - gammaln(q) + q * np.log(gamma) + pxv * np.log(xv)
    d_pq_v = digamma(pxv + q)
    g_p_v = xv * (d_pq_v - digamma(pxv) + np.log(xv))
    g_q_v = d_pq_v - digamma(q) + np.log(gamma)

    px = pxv[x_index]
    denominator = gamma + x * m_x
    log_gxm = np.log(denominator)
    ll = (x_counts * ll_v).sum() + ((px - 1) * log_m - (px + q) * log_gxm).sum()
    g_p = (x_counts * g_p_v).sum() + (x * (log_m - log_gxm)).sum()
    g_q = (x_counts * g_q_v).sum() - log_gxm.sum()
    g_gamma = x.size * q / gamma - ((px + q) / denominator).sum()
    return -ll, -np.array([g_p, g_q, g_gamma]) * np.array([p, q, gamma])


def fit_gamma_gamma(x, m_x) -> GammaGamma:
    """Maximum-likelihood Gamma-Gamma parameters from customers with x > 0 purchases of average value m_x > 0."""
    from scipy.optimize import minimize

    x, m_x = _as_arrays(x, m_x)
    keep = (x > 0) & (m_x > 0) & np.isfinite(m_x)
    x, m_x = x[keep], m_x[keep]
    # Start at p = q = 2 with gamma matching the sample mean (mean = p gamma / (q - 1)).
    start = np.log([2.0, 2.0, max(float(np.mean(m_x)), 1e-6) / 2.0])
    x_values, x_index, x_counts = np.unique(x, return_inverse=True, return_counts=True)
    # p's upper bound: past it a customer's purchases are all but identical in value, and the likelihood is flat.
    result = minimize(
        _gamma_gamma_objective, start, args=(x, m_x, np.log(m_x), x_values, x_index, x_counts), jac=True,
        method="L-BFGS-B", bounds=[(-12, 15), (-12, 15), (-30, 30)], options={"maxiter": 500},
    )
    p, q, gamma = np.exp(result.x)
    return GammaGamma(float(p), float(q), float(gamma), float(-result.fun), int(x.size), bool(result.success))


def expected_average_value(model: GammaGamma, x, m_x, fallback_mean: float | None = None) -> np.ndarray:
    """E[value of a purchase | x, m_x] = (p (gamma + x m_x)) / (p x + q - 1) (Fader & Hardie 2013, eq. 5): a
    weighted mean of the population's mean, p gamma / (q - 1), and the customer's own m_x; the population's
    mean where x = 0. With q <= 1 the fitted population has no finite mean (a tail of very large spenders):
    there, and wherever p x + q - 1 <= 0, `fallback_mean` (NaN if None) stands in."""
    x, m_x = _as_arrays(x, m_x)
    fallback = np.nan if fallback_mean is None else float(fallback_mean)
    m_x = np.where(x > 0, np.nan_to_num(m_x), 0.0)
    denominator = model.p * x + model.q - 1
    with np.errstate(divide="ignore", invalid="ignore"):
        value = model.p * (model.gamma + x * m_x) / denominator
    return np.where(denominator > 0, value, fallback)


# --- The page's question: who is worth what over the next year, and does the model hold up --------------

@dataclass(frozen=True)
class CustomerValue:
    """What the page shows about the model. `customers` is one row per customer (numbers only, for look-ups);
    the other frames are small summaries."""

    bgnbd: BgNbd | None
    gamma_gamma: GammaGamma | None
    customers: pl.DataFrame  # customer_id, count_repeat, expected_transactions, expected_value, clv, p_alive
    by_segment: pl.DataFrame  # one row per RFM segment in the period (and 'not active')
    by_tier: pl.DataFrame  # one row per value tier (and none for customers not active in the period)
    deciles: pl.DataFrame  # one row per tenth of customers ranked by expected value: its share of the total
    top: pl.DataFrame  # the customers with the highest expected value
    holdout: pl.DataFrame  # one row per calibration repeat-purchase group: customers, actual and predicted holdout
    holdout_model: BgNbd | None
    calibration_end_on: date | None
    holdout_weeks: float
    spend_frequency_correlation: float | None
    value_fallback: float | None  # the mean repeat value standing in where the Gamma-Gamma population mean is infinite
    message: str | None = None  # why something is missing
    repeat_kind: str | None = None  # what a repeat purchase is: 'service' (visit days) or 'sale' (sale days)

    def summary(self) -> dict:
        c = self.customers
        total_actual = float(self.holdout["actual_total"].sum()) if self.holdout.height else None
        total_predicted = float(self.holdout["predicted_total"].sum()) if self.holdout.height else None
        return {
            "count_customers": c.height,
            "clv_total": float(c["clv"].sum()) if c.height else None,
            "clv_mean": float(c["clv"].mean()) if c.height else None,
            "expected_transactions_total": float(c["expected_transactions"].sum()) if c.height else None,
            "holdout_actual_total": total_actual,
            "holdout_predicted_total": total_predicted,
            "holdout_error": (total_predicted - total_actual) / total_actual if total_actual else None,
        }


TOP_CUSTOMERS = 100


def customer_value(frame: pl.DataFrame, end_on: date, calibration_end_on: date | None,
                   horizon_weeks: float = HORIZON_WEEKS) -> CustomerValue:
    """See _customer_value. L-BFGS-B's steps work on 4 x 10 matrices through BLAS: OpenBLAS's threads only wait on
    each other there, and on a busy machine that more than doubled the fits' CPU (2.0 s against 0.8 s on one
    thread for the whole m mart)."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        return _customer_value(frame, end_on, calibration_end_on, horizon_weeks)


def _customer_value(frame: pl.DataFrame, end_on: date, calibration_end_on: date | None,
                    horizon_weeks: float = HORIZON_WEEKS) -> CustomerValue:
    """Fit both models on the history up to end_on and value every customer over the next horizon_weeks;
    refit BG/NBD on the history up to calibration_end_on and compare its prediction for the holdout weeks
    with what the customers actually did.

    `frame` is queries/clv_customers.sql: one row per customer with count_repeat (repeat purchase days of one kind,
    repeat_kind), days_to_last, days_observed, avg_repeat_value (the mean of those days' totals), the same up to
    the calibration date (NULL for customers who started after it), the holdout count, and the customer's RFM
    segment and tier in the period."""
    if frame.height < MIN_CUSTOMERS:
        return _nothing(f"Fewer than {MIN_CUSTOMERS} customers in scope: no model is fitted.")
    x = frame["count_repeat"].to_numpy().astype(float)
    t_x = frame["days_to_last"].to_numpy() / DAYS_PER_WEEK
    T = frame["days_observed"].to_numpy() / DAYS_PER_WEEK
    m_x = frame["avg_repeat_value"].fill_null(0).to_numpy()

    bgnbd = fit_bgnbd(x, t_x, T)
    gg = fit_gamma_gamma(x, m_x) if int((x > 0).sum()) >= MIN_CUSTOMERS else None
    expected = expected_transactions(bgnbd, horizon_weeks, x, t_x, T)
    fallback = None
    if gg is not None and gg.q <= 1:
        fallback = float(m_x[x > 0].mean())
    value = expected_average_value(gg, x, m_x, fallback_mean=fallback) if gg else np.full_like(x, np.nan)
    valued = frame.select("customer_id", "segment", "tier", "count_repeat").with_columns(
        expected_transactions=pl.Series(expected),
        expected_value=pl.Series(value),
        clv=pl.Series(expected * value),
        p_alive=pl.Series(p_alive(bgnbd, x, t_x, T)),
    )
    repeaters = frame.filter(pl.col("count_repeat") > 0)
    correlation = None
    if repeaters.height > 2:
        correlation = float(np.corrcoef(repeaters["count_repeat"].to_numpy(), repeaters["avg_repeat_value"].to_numpy())[0, 1])

    holdout, holdout_model, weeks, message = _empty_holdout(), None, 0.0, None
    if calibration_end_on is not None:
        weeks = (end_on - calibration_end_on).days / DAYS_PER_WEEK
        calibration = frame.filter(pl.col("days_observed_calibration").is_not_null())
        if calibration.height >= MIN_CUSTOMERS and calibration["days_observed_calibration"].max() >= MIN_CALIBRATION_WEEKS * DAYS_PER_WEEK:
            holdout_model, holdout = _holdout_check(calibration, weeks)
    if holdout_model is None:
        message = "Too little history before the holdout weeks to check the model."
    return CustomerValue(
        bgnbd, gg,
        customers=valued.drop("segment", "tier"),
        by_segment=_value_by(valued, "segment"),
        by_tier=_value_by(valued, "tier"),
        deciles=_deciles(valued),
        top=valued.sort(["clv", "customer_id"], descending=[True, False], nulls_last=True).head(TOP_CUSTOMERS),
        holdout=holdout, holdout_model=holdout_model, calibration_end_on=calibration_end_on, holdout_weeks=weeks,
        spend_frequency_correlation=correlation, value_fallback=fallback, message=message,
        repeat_kind=frame["repeat_kind"][0] if "repeat_kind" in frame.columns else None,
    )


def _value_by(valued: pl.DataFrame, column: str) -> pl.DataFrame:
    return (
        valued.group_by(column)
        .agg(
            count_customers=pl.len(),
            clv_total=pl.col("clv").sum(),
            clv_mean=pl.col("clv").mean(),
            expected_transactions_mean=pl.col("expected_transactions").mean(),
            p_alive_mean=pl.col("p_alive").mean(),
        )
        .with_columns(clv_share=pl.col("clv_total") / pl.col("clv_total").sum())
        .sort("clv_total", descending=True)
    )


def _deciles(valued: pl.DataFrame) -> pl.DataFrame:
    """Customers ranked by expected value, largest first, cut into tenths: how much of the total each holds."""
    ranked = valued.select("clv").drop_nans().drop_nulls().sort("clv", descending=True).with_row_index("position")
    n = ranked.height
    if n == 0:
        return pl.DataFrame(schema={"decile": pl.Int64, "count_customers": pl.Int64, "clv_total": pl.Float64, "clv_share": pl.Float64})
    return (
        ranked.with_columns(decile=(pl.col("position") * 10 // n + 1).cast(pl.Int64))
        .group_by("decile")
        .agg(count_customers=pl.len(), clv_total=pl.col("clv").sum())
        .with_columns(clv_share=pl.col("clv_total") / pl.col("clv_total").sum())
        .sort("decile")
    )


def _nothing(message: str) -> CustomerValue:
    empty = _valued_schema()
    return CustomerValue(None, None, empty.drop("segment", "tier"), _value_by(empty, "segment"), _value_by(empty, "tier"),
                         _deciles(empty), empty, _empty_holdout(), None, None, 0.0, None, None, message)


def _valued_schema() -> pl.DataFrame:
    return pl.DataFrame(schema={
        "customer_id": pl.Int64, "segment": pl.String, "tier": pl.String, "count_repeat": pl.Int64,
        "expected_transactions": pl.Float64, "expected_value": pl.Float64, "clv": pl.Float64, "p_alive": pl.Float64,
    })


def _empty_holdout() -> pl.DataFrame:
    return pl.DataFrame(schema={
        "count_repeat_group": pl.String, "group_order": pl.Int64, "count_customers": pl.Int64,
        "actual_mean": pl.Float64, "predicted_mean": pl.Float64, "actual_total": pl.Float64, "predicted_total": pl.Float64,
    })


def _holdout_check(calibration: pl.DataFrame, weeks: float) -> tuple[BgNbd, pl.DataFrame]:
    x = calibration["count_repeat_calibration"].to_numpy().astype(float)
    t_x = calibration["days_to_last_calibration"].to_numpy() / DAYS_PER_WEEK
    T = calibration["days_observed_calibration"].to_numpy() / DAYS_PER_WEEK
    model = fit_bgnbd(x, t_x, T)
    predicted = expected_transactions(model, weeks, x, t_x, T)
    last = HOLDOUT_GROUPS - 1
    table = (
        calibration.select(
            group_order=pl.col("count_repeat_calibration").clip(upper_bound=last).cast(pl.Int64),
            actual=pl.col("count_holdout").cast(pl.Float64),
            predicted=pl.Series(predicted),
        )
        .group_by("group_order")
        .agg(
            count_customers=pl.len(),
            actual_mean=pl.col("actual").mean(),
            predicted_mean=pl.col("predicted").mean(),
            actual_total=pl.col("actual").sum(),
            predicted_total=pl.col("predicted").sum(),
        )
        .sort("group_order")
        .with_columns(
            count_repeat_group=pl.when(pl.col("group_order") == last)
            .then(pl.lit(f"{last}+"))
            .otherwise(pl.col("group_order").cast(pl.String))
        )
        .select("count_repeat_group", "group_order", "count_customers", "actual_mean", "predicted_mean", "actual_total", "predicted_total")
    )
    return model, table
