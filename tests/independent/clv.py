"""BG/NBD by maximum likelihood, written again from the paper and sharing nothing with analytics/clv.py: the log-
likelihood of Fader, Hardie & Lee (2005, eq. 6) with Beta functions, maximised by scipy.optimize from several starts
with numerical gradients, and P(alive) from their eq. 13. Slow next to the app's fitter, but plain."""
from __future__ import annotations

import numpy as np
import polars as pl
from scipy.optimize import minimize
from scipy.special import betaln, gammaln


def log_likelihood(params, x, t_x, T, weights) -> float:
    r, alpha, a, b = params
    head = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    still = betaln(a, b + x) - betaln(a, b) - (r + x) * np.log(alpha + T)
    with np.errstate(divide="ignore", invalid="ignore"):
        gone = np.where(x > 0, betaln(a + 1, b + x - 1) - betaln(a, b) - (r + x) * np.log(alpha + t_x), -np.inf)
    return float((weights * (head + np.logaddexp(still, gone))).sum())


def fit(x, t_x, T) -> dict[str, float]:
    """r, alpha, a, b (time in the units of t_x and T) and the maximised log-likelihood."""
    rows = (pl.DataFrame({"x": np.asarray(x, float), "t_x": np.asarray(t_x, float), "T": np.asarray(T, float)})
            .group_by("x", "t_x", "T").len())
    x, t_x, T, w = (rows[c].to_numpy().astype(float) for c in ("x", "t_x", "T", "len"))
    rate = max(float((w * x).sum() / (w * T).sum()), 1e-6)

    def objective(theta):
        return -log_likelihood(np.exp(theta), x, t_x, T, w)

    # Nelder-Mead from three places finds the highest hill (the likelihood can have two); BFGS climbs it to the top.
    climbs = [minimize(objective, np.log(start), method="Nelder-Mead", options={"xatol": 1e-3, "fatol": 1e-4, "maxfev": 4000})
              for start in ([1.0, 1 / rate, 1.0, 1.0], [1.0, 1 / rate, 0.1, 1.0], [0.3, 3 / rate, 1.0, 5.0])]
    best = minimize(objective, min(climbs, key=lambda c: c.fun).x, method="BFGS", options={"gtol": 1e-6})
    r, alpha, a, b = np.exp(best.x)
    return {"r": r, "alpha": alpha, "a": a, "b": b, "log_likelihood": -best.fun}


def p_alive(params: dict, x, t_x, T) -> np.ndarray:
    """1 / (1 + [x > 0] a / (b + x - 1) ((alpha + T) / (alpha + t_x))^(r + x)) (FHL 2005, eq. 13)."""
    r, alpha, a, b = params["r"], params["alpha"], params["a"], params["b"]
    x, t_x, T = (np.asarray(v, float) for v in (x, t_x, T))
    with np.errstate(divide="ignore", invalid="ignore"):
        odds = np.where(x > 0, a / (b + x - 1) * ((alpha + T) / (alpha + t_x)) ** (r + x), 0.0)
    return 1 / (1 + odds)
