"""Linear-chain CRF over BMES tags (DESIGN §6): emissions, forward-backward, NLL gradient, Viterbi.

Tags: B=0, M=1, E=2, S=3. Allowed transitions: B->M, B->E, M->M, M->E, E->B, E->S, S->B, S->S;
a sentence starts in B or S and ends in E or S. Every other transition has probability 0.

Sentences are batched as CSR: position p of sentence s is row p of ``feats`` for
``offsets[s] <= p < offsets[s + 1]``. ``feats`` (int32[n_pos, n_templates]) holds feature ids,
-1 for an absent feature; the emission score of tag y at p is ``sum_k w[feats[p, k], y]``.
``mask`` (uint8[n_pos]) is the set of tags allowed at each position as bits (1 << y); 15 = free.
Training with a mask that leaves more than one tag (partial labels) maximises the probability
of the set of paths the mask allows: loss = ln Z - ln Z(mask).

The forward-backward pass works on per-position scaled probabilities with the emission shifted
by its maximum and the log of every scale kept (no overflow for any sentence length or weight
size); should the scaled pass underflow (extreme weights), the sentence is redone in log space.
"""
import numpy as np
from numba import njit

N_TAGS = 4
TAG_B = 0
TAG_M = 1
TAG_E = 2
TAG_S = 3
FREE = 15  # mask: every tag allowed

# ALLOWED[i, j]: transition i -> j allowed; START_OK / END_OK by tag
ALLOWED = np.array([[0, 1, 1, 0], [0, 1, 1, 0], [1, 0, 0, 1], [1, 0, 0, 1]], dtype=np.uint8)
START_OK = np.array([1, 0, 0, 1], dtype=np.uint8)
END_OK = np.array([0, 0, 1, 1], dtype=np.uint8)


@njit(cache=True)
def emission_scores(feats, w, lo, hi, out):
    """out[p - lo, y] = sum_k w[feats[p, k], y] for lo <= p < hi (feature id -1 skipped).

    feats : int32[n_pos, n_templates]; w : float64[n_features, 4]; out : float64[>= hi-lo, 4].
    """
    n_t = feats.shape[1]
    for p in range(lo, hi):
        a0 = 0.0
        a1 = 0.0
        a2 = 0.0
        a3 = 0.0
        for k in range(n_t):
            f = feats[p, k]
            if f >= 0:
                a0 += w[f, 0]
                a1 += w[f, 1]
                a2 += w[f, 2]
                a3 += w[f, 3]
        r = p - lo
        out[r, 0] = a0
        out[r, 1] = a1
        out[r, 2] = a2
        out[r, 3] = a3


@njit(cache=True)
def _allowed(mask, p, y, use_mask):
    """Whether tag y may stand at position p (always when not use_mask)."""
    if not use_mask:
        return True
    return ((mask[p] >> y) & 1) == 1


@njit(cache=True)
def _fb_scaled(h, n, trans, mask, lo, use_mask, post, pair, alpha, beta, scale):
    """Scaled forward-backward over h[:n]; writes post[:n] (tag marginals) and adds the
    expected transition counts to pair. Returns ln Z, or NaN when a scale underflowed.

    Only the eight allowed transitions are visited: B <- {E, S}, M <- {B, M}, E <- {B, M},
    S <- {E, S}.
    """
    g01 = np.exp(trans[0, 1])
    g02 = np.exp(trans[0, 2])
    g11 = np.exp(trans[1, 1])
    g12 = np.exp(trans[1, 2])
    g20 = np.exp(trans[2, 0])
    g23 = np.exp(trans[2, 3])
    g30 = np.exp(trans[3, 0])
    g33 = np.exp(trans[3, 3])
    log_z = 0.0
    a0 = a1 = a2 = a3 = 0.0
    for t in range(n):
        m = -np.inf
        for y in range(4):
            if _allowed(mask, lo + t, y, use_mask) and h[t, y] > m:
                m = h[t, y]
        if m == -np.inf:
            return np.nan
        e0 = np.exp(h[t, 0] - m) if _allowed(mask, lo + t, 0, use_mask) else 0.0
        e1 = np.exp(h[t, 1] - m) if _allowed(mask, lo + t, 1, use_mask) else 0.0
        e2 = np.exp(h[t, 2] - m) if _allowed(mask, lo + t, 2, use_mask) else 0.0
        e3 = np.exp(h[t, 3] - m) if _allowed(mask, lo + t, 3, use_mask) else 0.0
        post[t, 0] = e0  # the scaled emissions, kept for the backward pass
        post[t, 1] = e1
        post[t, 2] = e2
        post[t, 3] = e3
        if t == 0:
            b0, b1, b2, b3 = e0, 0.0, 0.0, e3
        else:
            b0 = e0 * (a2 * g20 + a3 * g30)
            b1 = e1 * (a0 * g01 + a1 * g11)
            b2 = e2 * (a0 * g02 + a1 * g12)
            b3 = e3 * (a2 * g23 + a3 * g33)
        sm = b0 + b1 + b2 + b3
        if not (sm > 0.0) or not np.isfinite(sm):
            return np.nan
        inv = 1.0 / sm
        a0, a1, a2, a3 = b0 * inv, b1 * inv, b2 * inv, b3 * inv
        alpha[t, 0] = a0
        alpha[t, 1] = a1
        alpha[t, 2] = a2
        alpha[t, 3] = a3
        scale[t] = sm
        log_z += m + np.log(sm)
    z_end = a2 + a3
    if not (z_end > 0.0):
        return np.nan
    log_z += np.log(z_end)
    inv_z = 1.0 / z_end
    r0, r1, r2, r3 = 0.0, 0.0, 1.0, 1.0  # beta at the last position: end in E or S
    beta[n - 1, 0] = r0
    beta[n - 1, 1] = r1
    beta[n - 1, 2] = r2
    beta[n - 1, 3] = r3
    for t in range(n - 2, -1, -1):
        inv = 1.0 / scale[t + 1]
        q0 = post[t + 1, 0] * r0 * inv
        q1 = post[t + 1, 1] * r1 * inv
        q2 = post[t + 1, 2] * r2 * inv
        q3 = post[t + 1, 3] * r3 * inv
        r0 = g01 * q1 + g02 * q2
        r1 = g11 * q1 + g12 * q2
        r2 = g20 * q0 + g23 * q3
        r3 = g30 * q0 + g33 * q3
        beta[t, 0] = r0
        beta[t, 1] = r1
        beta[t, 2] = r2
        beta[t, 3] = r3
        c0 = alpha[t, 0] * inv_z
        c1 = alpha[t, 1] * inv_z
        c2 = alpha[t, 2] * inv_z
        c3 = alpha[t, 3] * inv_z
        pair[0, 1] += c0 * g01 * q1
        pair[0, 2] += c0 * g02 * q2
        pair[1, 1] += c1 * g11 * q1
        pair[1, 2] += c1 * g12 * q2
        pair[2, 0] += c2 * g20 * q0
        pair[2, 3] += c2 * g23 * q3
        pair[3, 0] += c3 * g30 * q0
        pair[3, 3] += c3 * g33 * q3
    for t in range(n):
        for y in range(4):
            post[t, y] = alpha[t, y] * beta[t, y] * inv_z
    return log_z


@njit(cache=True)
def _lse2(a, b):
    if a == -np.inf:
        return b
    if b == -np.inf:
        return a
    if a > b:
        return a + np.log1p(np.exp(b - a))
    return b + np.log1p(np.exp(a - b))


@njit(cache=True)
def _fb_log(h, n, trans, mask, lo, use_mask, post, pair, alpha, beta):
    """Forward-backward in log space (the fallback of _fb_scaled; same outputs)."""
    lt = np.empty((4, 4))
    for i in range(4):
        for j in range(4):
            lt[i, j] = trans[i, j] if ALLOWED[i, j] else -np.inf
    for t in range(n):
        for y in range(4):
            ok = _allowed(mask, lo + t, y, use_mask)
            e = h[t, y] if ok else -np.inf
            if t == 0:
                alpha[t, y] = e if START_OK[y] else -np.inf
            else:
                acc = -np.inf
                for i in range(4):
                    acc = _lse2(acc, alpha[t - 1, i] + lt[i, y])
                alpha[t, y] = e + acc if acc > -np.inf else -np.inf
    log_z = -np.inf
    for y in range(4):
        beta[n - 1, y] = 0.0 if END_OK[y] else -np.inf
        log_z = _lse2(log_z, alpha[n - 1, y] + beta[n - 1, y])
    if log_z == -np.inf:
        return log_z
    for t in range(n - 2, -1, -1):
        for i in range(4):
            acc = -np.inf
            for j in range(4):
                ok = _allowed(mask, lo + t + 1, j, use_mask)
                if ok:
                    acc = _lse2(acc, lt[i, j] + h[t + 1, j] + beta[t + 1, j])
            beta[t, i] = acc
        for i in range(4):
            for j in range(4):
                ok = _allowed(mask, lo + t + 1, j, use_mask)
                if ok and ALLOWED[i, j]:
                    v = alpha[t, i] + lt[i, j] + h[t + 1, j] + beta[t + 1, j] - log_z
                    if v > -np.inf:
                        pair[i, j] += np.exp(v)
    for t in range(n):
        for y in range(4):
            v = alpha[t, y] + beta[t, y] - log_z
            post[t, y] = np.exp(v) if v > -np.inf else 0.0
    return log_z


@njit(cache=True)
def _forward_backward(h, n, trans, mask, lo, use_mask, post, pair, alpha, beta, scale, tmp_pair):
    """ln Z (of the paths the mask allows when use_mask) with marginals in post[:n] and
    expected transition counts added to pair; scaled first, log space if that underflows."""
    for i in range(4):
        for j in range(4):
            tmp_pair[i, j] = 0.0
    log_z = _fb_scaled(h, n, trans, mask, lo, use_mask, post, tmp_pair, alpha, beta, scale)
    if np.isnan(log_z):
        for i in range(4):
            for j in range(4):
                tmp_pair[i, j] = 0.0
        log_z = _fb_log(h, n, trans, mask, lo, use_mask, post, tmp_pair, alpha, beta)
    for i in range(4):
        for j in range(4):
            pair[i, j] += tmp_pair[i, j]
    return log_z


@njit(cache=True)
def _single_tag(m):
    """The tag of a one-bit mask, else -1."""
    if m == 1:
        return 0
    if m == 2:
        return 1
    if m == 4:
        return 2
    if m == 8:
        return 3
    return -1


@njit(cache=True)
def nll_grad(feats, offsets, mask, w, trans, sent_idx, grad_w, grad_trans):
    """Negative log-likelihood of the sentences sent_idx and its gradient (added to grad_*).

    feats : int32[n_pos, n_templates]; offsets : int64[n_sent + 1]; mask : uint8[n_pos]
    (the labels: one bit = a known tag, several bits = any of them); w : float64[n_feat, 4];
    trans : float64[4, 4]; sent_idx : int64[k] sentences to use; grad_w : float64[n_feat, 4],
    grad_trans : float64[4, 4] accumulated in place.
    Returns (nll float64, n_bad int64): sentences whose labels allow no path are skipped and
    counted in n_bad.
    """
    max_len = 1
    for s in sent_idx:
        ln = offsets[s + 1] - offsets[s]
        if ln > max_len:
            max_len = ln
    h = np.empty((max_len, 4))
    post = np.empty((max_len, 4))
    post2 = np.empty((max_len, 4))
    ytag = np.empty(max_len, np.int64)
    alpha = np.empty((max_len, 4))
    beta = np.empty((max_len, 4))
    scale = np.empty(max_len)
    pair = np.zeros((4, 4))
    pair2 = np.zeros((4, 4))
    tmp = np.zeros((4, 4))
    n_t = feats.shape[1]
    total = 0.0
    n_bad = 0
    for s in sent_idx:
        lo = offsets[s]
        hi = offsets[s + 1]
        n = hi - lo
        if n == 0:
            continue
        emission_scores(feats, w, lo, hi, h)
        full = True
        for t in range(n):
            if _single_tag(mask[lo + t]) < 0:
                full = False
                break
        # clamped log-likelihood: either the one labelled path or the masked set of paths
        for i in range(4):
            for j in range(4):
                pair2[i, j] = 0.0
        if full:
            ok = START_OK[_single_tag(mask[lo])] and END_OK[_single_tag(mask[hi - 1])]
            log_zc = 0.0
            prev = -1
            for t in range(n):
                y = _single_tag(mask[lo + t])
                log_zc += h[t, y]
                if prev >= 0:
                    if not ALLOWED[prev, y]:
                        ok = False
                    log_zc += trans[prev, y]
                    pair2[prev, y] += 1.0
                ytag[t] = y
                prev = y
            if not ok:
                n_bad += 1
                continue
        else:
            log_zc = _forward_backward(h, n, trans, mask, lo, True, post2, pair2, alpha, beta,
                                       scale, tmp)
            if log_zc == -np.inf:
                n_bad += 1
                continue
        for i in range(4):
            for j in range(4):
                pair[i, j] = 0.0
        log_z = _forward_backward(h, n, trans, mask, lo, False, post, pair, alpha, beta,
                                  scale, tmp)
        total += log_z - log_zc
        for t in range(n):
            if full:
                y = ytag[t]
                d0 = post[t, 0] - (1.0 if y == 0 else 0.0)
                d1 = post[t, 1] - (1.0 if y == 1 else 0.0)
                d2 = post[t, 2] - (1.0 if y == 2 else 0.0)
                d3 = post[t, 3] - (1.0 if y == 3 else 0.0)
            else:
                d0 = post[t, 0] - post2[t, 0]
                d1 = post[t, 1] - post2[t, 1]
                d2 = post[t, 2] - post2[t, 2]
                d3 = post[t, 3] - post2[t, 3]
            for k in range(n_t):
                f = feats[lo + t, k]
                if f >= 0:
                    grad_w[f, 0] += d0
                    grad_w[f, 1] += d1
                    grad_w[f, 2] += d2
                    grad_w[f, 3] += d3
        for i in range(4):
            for j in range(4):
                if ALLOWED[i, j]:
                    grad_trans[i, j] += pair[i, j] - pair2[i, j]
    return total, n_bad


@njit(cache=True)
def _longest(offsets):
    # the length of the longest sentence (at least 1): the size of the per-sentence scratch
    max_len = 1
    for s in range(offsets.shape[0] - 1):
        max_len = max(max_len, offsets[s + 1] - offsets[s])
    return max_len


@njit(cache=True)
def marginals(feats, offsets, mask, w, trans):
    """Per-position tag probabilities (float64[n_pos, 4]) under the mask (FREE = no constraint),
    and ln Z of each sentence (float64[n_sent])."""
    n_sent = offsets.shape[0] - 1
    max_len = _longest(offsets)
    h = np.empty((max_len, 4))
    post = np.empty((max_len, 4))
    alpha = np.empty((max_len, 4))
    beta = np.empty((max_len, 4))
    scale = np.empty(max_len)
    pair = np.zeros((4, 4))
    tmp = np.zeros((4, 4))
    out = np.zeros((feats.shape[0], 4))
    log_zs = np.zeros(n_sent)
    for s in range(n_sent):
        lo = offsets[s]
        hi = offsets[s + 1]
        n = hi - lo
        if n == 0:
            continue
        emission_scores(feats, w, lo, hi, h)
        log_zs[s] = _forward_backward(h, n, trans, mask, lo, True, post, pair, alpha, beta,
                                      scale, tmp)
        for t in range(n):
            for y in range(4):
                out[lo + t, y] = post[t, y]
    return out, log_zs


@njit(cache=True)
def viterbi(feats, offsets, mask, w, trans):
    """Best tag sequence (int8[n_pos]) of every sentence under the BMES constraints and the
    mask; a position whose mask allows no consistent path falls back to the free best path."""
    n_sent = offsets.shape[0] - 1
    max_len = _longest(offsets)
    h = np.empty((max_len, 4))
    delta = np.empty((max_len, 4))
    back = np.empty((max_len, 4), np.int8)
    tags = np.empty(feats.shape[0], np.int8)
    lt = np.empty((4, 4))
    for i in range(4):
        for j in range(4):
            lt[i, j] = trans[i, j] if ALLOWED[i, j] else -np.inf
    for s in range(n_sent):
        lo = offsets[s]
        hi = offsets[s + 1]
        n = hi - lo
        if n == 0:
            continue
        emission_scores(feats, w, lo, hi, h)
        for attempt in range(2):
            use_mask = attempt == 0
            for t in range(n):
                for y in range(4):
                    ok = _allowed(mask, lo + t, y, use_mask)
                    e = h[t, y] if ok else -np.inf
                    if t == 0:
                        delta[t, y] = e if START_OK[y] else -np.inf
                        back[t, y] = -1
                    else:
                        best = -np.inf
                        arg = 0
                        for i in range(4):
                            v = delta[t - 1, i] + lt[i, y]
                            if v > best:
                                best = v
                                arg = i
                        delta[t, y] = best + e
                        back[t, y] = arg
            best = -np.inf
            arg = -1
            for y in range(4):
                if END_OK[y] and delta[n - 1, y] > best:
                    best = delta[n - 1, y]
                    arg = y
            if arg >= 0:
                break
        if arg < 0:  # NaN weights: no path scores; every unit a word of its own
            for t in range(n):
                tags[lo + t] = TAG_S
            continue
        for t in range(n - 1, -1, -1):
            tags[lo + t] = arg
            arg = back[t, arg]
    return tags
