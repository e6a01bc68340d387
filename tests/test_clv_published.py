"""The lifetime-value formulas pinned to the published numbers and to the formulas written out here, apart from
analytics/clv.py's own rewriting of them (Euler's transformation, log-odds): BG/NBD's conditional expectation on
Fader, Hardie & Lee's CDNOW parameters (2005, "Counting your customers the easy way", section 5), P(alive)
(eq. 13) and the Gamma-Gamma conditional mean (Fader, Hardie & Lee 2005, "RFM and CLV", eq. 5)."""
from __future__ import annotations

import numpy as np
import pytest
from scipy.special import gammaln, hyp2f1

from analytics import clv

# FHL 2005's maximum-likelihood estimates on the CDNOW cohort (weeks): r, alpha, a, b.
CDNOW = clv.BgNbd(r=0.243, alpha=4.414, a=0.793, b=2.426, log_likelihood=-9582.4, count_customers=2357,
                  converged=True)
# Their Gamma-Gamma estimates on the same cohort's repeat buyers: p, q, gamma.
CDNOW_SPEND = clv.GammaGamma(p=6.25, q=3.74, gamma=15.44, log_likelihood=0.0, count_customers=946, converged=True)


def test_the_conditional_expectation_is_fhls_published_figure():
    """FHL 2005: a customer with x = 2 repeat purchases, the last at t_x = 30.43 weeks of T = 38.86, is expected
    to make 1.226 purchases in the next 39 weeks."""
    assert clv.expected_transactions(CDNOW, 39.0, [2], [30.43], [38.86])[0] == pytest.approx(1.226, abs=5e-4)


def expected_transactions_as_printed(r, alpha, a, b, t, x, t_x, T) -> float:
    """FHL 2005 eq. 10 exactly as printed (the Gaussian hypergeometric term untransformed)."""
    z = t / (alpha + T + t)
    head = (a + b + x - 1) / (a - 1)
    bracket = 1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * hyp2f1(r + x, b + x, a + b + x - 1, z)
    alive = 1 + (x > 0) * a / (b + x - 1) * ((alpha + T) / (alpha + t_x)) ** (r + x)
    return head * bracket / alive


@pytest.mark.parametrize("x, t_x, T", [(0, 0.0, 38.86), (1, 5.0, 30.0), (2, 30.43, 38.86), (7, 35.0, 38.0),
                                       (3, 2.0, 70.0)])
def test_the_conditional_expectation_equals_the_printed_formula(x, t_x, T):
    got = clv.expected_transactions(CDNOW, 39.0, [x], [t_x], [T])[0]
    assert got == pytest.approx(expected_transactions_as_printed(0.243, 4.414, 0.793, 2.426, 39.0, x, t_x, T), rel=1e-9)


def test_p_alive_is_eq_13():
    x, t_x, T = np.array([0, 1, 2, 2, 10]), np.array([0.0, 1.0, 30.43, 5.0, 38.0]), np.array([38.86] * 5)
    r, alpha, a, b = 0.243, 4.414, 0.793, 2.426
    want = 1 / (1 + (x > 0) * a / (b + x - 1) * ((alpha + T) / (alpha + t_x)) ** (r + x))
    got = clv.p_alive(CDNOW, x, t_x, T)
    np.testing.assert_allclose(got, want, rtol=1e-12)
    assert got[0] == 1.0 and got[3] < got[2] < got[4]  # no repeat: alive; a long silence lowers it


def test_the_new_customers_expectation_is_eq_9():
    """E[X(t)] for a customer just acquired (eq. 9), written with the Gamma functions' logs as printed."""
    r, alpha, a, b, t = 0.243, 4.414, 0.793, 2.426, 39.0
    want = (a + b - 1) / (a - 1) * (1 - (alpha / (alpha + t)) ** r * hyp2f1(r, b, a + b - 1, t / (alpha + t)))
    assert clv.expected_transactions_new(CDNOW, t) == pytest.approx(want, rel=1e-12)
    # and it is the conditional expectation of a customer with no history at all
    assert clv.expected_transactions(CDNOW, t, [0], [0.0], [0.0])[0] == pytest.approx(want, rel=1e-9)


def test_the_gamma_gamma_conditional_mean_is_a_weighted_average():
    """E(M | x, m_x) = (q - 1)/(p x + q - 1) * p gamma/(q - 1) + p x/(p x + q - 1) * m_x: the population mean and the
    customer's own mean, weighted by how many purchases back it."""
    p, q, gamma = 6.25, 3.74, 15.44
    x, m_x = np.array([1, 2, 6, 30]), np.array([20.0, 35.0, 40.0, 12.5])
    population = p * gamma / (q - 1)
    want = (q - 1) / (p * x + q - 1) * population + p * x / (p * x + q - 1) * m_x
    np.testing.assert_allclose(clv.expected_average_value(CDNOW_SPEND, x, m_x), want, rtol=1e-12)
    assert CDNOW_SPEND.mean_value() == pytest.approx(population, rel=1e-12)


def test_the_bgnbd_likelihood_at_fhls_estimates_is_their_log_likelihood_formula():
    """Eq. 6's individual log-likelihood, written with gammaln here, at FHL's estimates for three customers."""
    r, alpha, a, b = 0.243, 4.414, 0.793, 2.426
    x, t_x, T = np.array([0, 2, 5]), np.array([0.0, 30.43, 20.0]), np.array([38.86, 38.86, 38.86])
    a1 = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    a2 = gammaln(a + b) + gammaln(b + x) - gammaln(b) - gammaln(a + b + x)
    a3 = -(r + x) * np.log(alpha + T)
    a4 = np.where(x > 0, np.log(a) - np.log(b + x - 1) - (r + x) * np.log(alpha + t_x), -np.inf)
    want = a1 + a2 + np.logaddexp(a3, a4)
    np.testing.assert_allclose(clv.bgnbd_log_likelihood(r, alpha, a, b, x, t_x, T), want, rtol=1e-12)
