"""CRF kernels against the enumeration oracle (tests/naive_crf.py)."""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mentropy._kernels import crf as K
import naive_crf as naive


def problem(seed, lengths, n_feat=7, n_templates=3, scale=1.0, masks="free"):
    rng = np.random.default_rng(seed)
    n_pos = sum(lengths)
    feats = rng.integers(-1, n_feat, size=(n_pos, n_templates)).astype(np.int32)
    w = rng.normal(0, scale, size=(n_feat, 4))
    trans = rng.normal(0, scale, size=(4, 4))
    offsets = np.zeros(len(lengths) + 1, np.int64)
    offsets[1:] = np.cumsum(lengths)
    if masks == "free":
        mask = np.full(n_pos, K.FREE, np.uint8)
    elif masks == "gold":
        mask = np.zeros(n_pos, np.uint8)
        for s, n in enumerate(lengths):
            words, left = [], n
            while left:
                k = int(rng.integers(1, left + 1))
                words.append(k)
                left -= k
            tags = naive.tags_of_words(words)
            mask[offsets[s]:offsets[s + 1]] = [1 << y for y in tags]
    else:  # partial: random subsets that still allow a path
        mask = np.zeros(n_pos, np.uint8)
        for s, n in enumerate(lengths):
            while True:
                m = [int(x) for x in rng.integers(1, 16, size=n)]
                if naive.paths(n, m):
                    break
            mask[offsets[s]:offsets[s + 1]] = m
    return feats, offsets, mask, w, trans


def emissions(feats, w, lo, hi):
    return [[sum(w[f, y] for f in feats[p] if f >= 0) for y in range(4)] for p in range(lo, hi)]


def nll(feats, offsets, mask, w, trans):
    gw, gt = np.zeros_like(w), np.zeros_like(trans)
    idx = np.arange(offsets.shape[0] - 1, dtype=np.int64)
    loss, bad = K.nll_grad(feats, offsets, mask, w, trans, idx, gw, gt)
    return loss, bad, gw, gt


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**31), st.lists(st.integers(1, 6), min_size=1, max_size=4),
       st.sampled_from([0.1, 1.0, 5.0]))
def test_log_z_and_marginals_match_enumeration(seed, lengths, scale):
    feats, offsets, mask, w, trans = problem(seed, lengths, scale=scale)
    post, log_zs = K.marginals(feats, offsets, mask, w, trans)
    for s in range(len(lengths)):
        lo, hi = offsets[s], offsets[s + 1]
        h = emissions(feats, w, lo, hi)
        assert log_zs[s] == pytest.approx(naive.log_z(h, trans.tolist()), rel=1e-9, abs=1e-9)
        np.testing.assert_allclose(post[lo:hi], naive.marginals(h, trans.tolist()), atol=1e-9)
    np.testing.assert_allclose(post.sum(axis=1), 1.0, atol=1e-12)


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 2**31), st.lists(st.integers(1, 5), min_size=1, max_size=3))
def test_masked_marginals_match_enumeration(seed, lengths):
    feats, offsets, mask, w, trans = problem(seed, lengths, masks="partial")
    post, log_zs = K.marginals(feats, offsets, mask, w, trans)
    for s in range(len(lengths)):
        lo, hi = offsets[s], offsets[s + 1]
        h = emissions(feats, w, lo, hi)
        m = mask[lo:hi].tolist()
        assert log_zs[s] == pytest.approx(naive.log_z(h, trans.tolist(), m), abs=1e-9)
        np.testing.assert_allclose(post[lo:hi], naive.marginals(h, trans.tolist(), m),
                                   atol=1e-9)


@pytest.mark.parametrize("masks", ["gold", "partial"])
@pytest.mark.parametrize("seed", range(4))
def test_nll_matches_enumeration(seed, masks):
    feats, offsets, mask, w, trans = problem(seed, [1, 3, 5, 6], masks=masks)
    loss, bad, _, _ = nll(feats, offsets, mask, w, trans)
    want = 0.0
    for s in range(4):
        lo, hi = offsets[s], offsets[s + 1]
        h = emissions(feats, w, lo, hi)
        want += naive.log_z(h, trans.tolist()) - naive.log_z(h, trans.tolist(),
                                                             mask[lo:hi].tolist())
    assert bad == 0
    assert loss == pytest.approx(want, rel=1e-10)


@pytest.mark.parametrize("masks", ["gold", "partial"])
@pytest.mark.parametrize("seed", range(3))
def test_gradient_matches_finite_differences(seed, masks):
    feats, offsets, mask, w, trans = problem(seed, [2, 4, 5], masks=masks)
    _, _, gw, gt = nll(feats, offsets, mask, w, trans)
    eps = 1e-6
    for f in range(w.shape[0]):
        for y in range(4):
            wp, wm = w.copy(), w.copy()
            wp[f, y] += eps
            wm[f, y] -= eps
            num = (nll(feats, offsets, mask, wp, trans)[0]
                   - nll(feats, offsets, mask, wm, trans)[0]) / (2 * eps)
            assert gw[f, y] == pytest.approx(num, abs=1e-5)
    for i in range(4):
        for j in range(4):
            tp, tm = trans.copy(), trans.copy()
            tp[i, j] += eps
            tm[i, j] -= eps
            num = (nll(feats, offsets, mask, w, tp)[0] - nll(feats, offsets, mask, w, tm)[0]) / (
                2 * eps)
            assert gt[i, j] == pytest.approx(num, abs=1e-5)
    assert np.count_nonzero(gw) > 0


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**31), st.lists(st.integers(1, 6), min_size=1, max_size=4),
       st.booleans())
def test_viterbi_matches_brute_force(seed, lengths, masked):
    feats, offsets, mask, w, trans = problem(seed, lengths, masks="partial" if masked else "free")
    tags = K.viterbi(feats, offsets, mask, w, trans)
    for s in range(len(lengths)):
        lo, hi = offsets[s], offsets[s + 1]
        h = emissions(feats, w, lo, hi)
        m = mask[lo:hi].tolist()
        got = tags[lo:hi].tolist()
        want = naive.best_path(h, trans.tolist(), m)
        assert naive.valid(got, m)
        assert naive.path_score(h, trans.tolist(), got) == pytest.approx(
            naive.path_score(h, trans.tolist(), want), abs=1e-9)


def test_huge_weights_and_long_sentences_stay_finite():
    """Scaled pass underflows with extreme weights: the log-space fallback must take over."""
    feats, offsets, mask, w, trans = problem(3, [5, 4, 2000], scale=800.0, masks="gold")
    loss, bad, gw, gt = nll(feats, offsets, mask, w, trans)
    assert bad == 0 and math.isfinite(loss) and np.isfinite(gw).all() and np.isfinite(gt).all()
    post, log_zs = K.marginals(feats, offsets, np.full_like(mask, K.FREE), w, trans)
    assert np.isfinite(log_zs).all()
    np.testing.assert_allclose(post.sum(axis=1), 1.0, atol=1e-9)
    lo, hi = offsets[0], offsets[1]
    h = emissions(feats, w, lo, hi)
    assert log_zs[0] == pytest.approx(naive.log_z(h, trans.tolist()), rel=1e-12)


def test_impossible_labels_are_counted_not_nan():
    feats, offsets, mask, w, trans = problem(1, [3, 2], masks="gold")
    mask[offsets[1]:] = 1 << K.TAG_M  # M M: no valid path
    loss, bad, gw, _ = nll(feats, offsets, mask, w, trans)
    assert bad == 1 and math.isfinite(loss)


def test_two_loop_matches_numpy():
    from mentropy._kernels import lbfgs as KL

    rng = np.random.default_rng(5)
    n, m = 50, 4
    g = rng.normal(size=n)
    s_hist = rng.normal(size=(m, n)).astype(np.float32)
    y_hist = (s_hist + 0.1 * rng.normal(size=(m, n))).astype(np.float32)
    rho = 1.0 / np.einsum("ij,ij->i", s_hist.astype(float), y_hist.astype(float))
    order = np.array([2, 0, 3, 1], dtype=np.int64)
    d = np.empty(n)
    KL.two_loop(g, s_hist, y_hist, rho, order, d)
    # the textbook recursion, newest pair first, in float64 from the stored float32 values
    S, Y = s_hist.astype(float), y_hist.astype(float)
    q, alphas = -g.copy(), []
    for k in order:
        a = rho[k] * S[k] @ q
        alphas.append(a)
        q -= a * Y[k]
    q *= (S[order[0]] @ Y[order[0]]) / (Y[order[0]] @ Y[order[0]])
    for k, a in zip(order[::-1], alphas[::-1]):
        q += (a - rho[k] * Y[k] @ q) * S[k]
    np.testing.assert_allclose(d, q, rtol=1e-10, atol=1e-12)


def test_lbfgs_finds_the_minimum():
    """On a small convex problem the trained weights have a (near) zero gradient."""
    from mentropy.crf_train import TrainOptions, train_lbfgs

    feats, offsets, mask, _, _ = problem(11, [3, 5, 2, 6, 4], n_feat=9, masks="gold")
    w, trans, report = train_lbfgs(feats, offsets, mask, 9,
                                   TrainOptions(max_iterations=500, c2=0.5, epsilon=1e-9,
                                                delta=0.0), progress=False)
    _, _, gw, gt = nll(feats, offsets, mask, w, trans)
    gw += 2 * 0.5 * w
    gt += 2 * 0.5 * trans
    allowed = K.ALLOWED.astype(bool)
    assert np.abs(gw).max() < 1e-4 and np.abs(gt[allowed]).max() < 1e-4, report


def test_owlqn_reaches_the_l1_optimum():
    """With L1, every weight meets the optimality conditions: |g| <= c1 where w = 0, and
    g + c1 * sign(w) = 0 elsewhere; a large c1 zeroes many weights."""
    from mentropy.crf_train import TrainOptions, train_lbfgs

    feats, offsets, mask, _, _ = problem(12, [3, 5, 2, 6, 4, 5], n_feat=9, masks="gold")
    c1, c2 = 0.8, 0.05
    w, trans, report = train_lbfgs(feats, offsets, mask, 9,
                                   TrainOptions(max_iterations=2000, c1=c1, c2=c2,
                                                epsilon=1e-10, delta=0.0), progress=False)
    _, _, gw, gt = nll(feats, offsets, mask, w, trans)
    params = np.concatenate([w.ravel(), trans.ravel()])
    g = np.concatenate([gw.ravel(), gt.ravel()]) + 2 * c2 * params
    zero = params == 0
    assert zero.sum() >= 8  # forbidden transitions at least, and some weights
    assert np.all(np.abs(g[zero]) <= c1 + 1e-4)
    assert np.abs(g[~zero] + c1 * np.sign(params[~zero])).max() < 1e-3, report
    dense, _, _ = train_lbfgs(feats, offsets, mask, 9, TrainOptions(max_iterations=300, c2=c2),
                              progress=False)
    assert np.count_nonzero(w) < np.count_nonzero(dense)
