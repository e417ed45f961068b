"""Vector steps of L-BFGS, fused and in place (no temporary arrays of the parameter size)."""
import numpy as np
from numba import njit


@njit(cache=True)
def two_loop(g, s_hist, y_hist, rho, order, d):
    """d = -H g by the two-loop recursion over history slots `order` (int64, newest first).

    g : float64[n]; s_hist, y_hist : float32[m, n]; rho : float64[m] (1 / s.y); d : float64[n]
    written in place. With an empty `order`, d = -g.
    """
    n = g.shape[0]
    k = order.shape[0]
    alphas = np.empty(k)
    for i in range(n):
        d[i] = -g[i]
    for a in range(k):
        slot = order[a]
        acc = 0.0
        for i in range(n):
            acc += np.float64(s_hist[slot, i]) * d[i]
        al = rho[slot] * acc
        alphas[a] = al
        for i in range(n):
            d[i] -= al * np.float64(y_hist[slot, i])
    if k > 0:
        slot = order[0]
        sy = 0.0
        yy = 0.0
        for i in range(n):
            yi = np.float64(y_hist[slot, i])
            sy += np.float64(s_hist[slot, i]) * yi
            yy += yi * yi
        gamma = sy / yy
        for i in range(n):
            d[i] *= gamma
    for a in range(k - 1, -1, -1):
        slot = order[a]
        acc = 0.0
        for i in range(n):
            acc += np.float64(y_hist[slot, i]) * d[i]
        b = rho[slot] * acc
        c = alphas[a] - b
        for i in range(n):
            d[i] += c * np.float64(s_hist[slot, i])


@njit(cache=True)
def step_to(x, step, d, out):
    """out = x + step * d (in place)."""
    for i in range(x.shape[0]):
        out[i] = x[i] + step * d[i]


@njit(cache=True)
def l2_penalty(params, c2, g):
    """Add the gradient of c2 * ||params||^2 to g; return the penalty."""
    acc = 0.0
    two_c2 = 2.0 * c2
    for i in range(params.shape[0]):
        p = params[i]
        acc += p * p
        g[i] += two_c2 * p
    return c2 * acc


@njit(cache=True)
def store_pair(x_new, x, g_new, g, s_out, y_out):
    """s = x_new - x and y = g_new - g written into s_out, y_out (float32); returns s.y of
    the stored values, so that rho matches the pair the two-loop recursion will read."""
    sy = 0.0
    for i in range(x.shape[0]):
        s = np.float32(x_new[i] - x[i])
        y = np.float32(g_new[i] - g[i])
        s_out[i] = s
        y_out[i] = y
        sy += np.float64(s) * np.float64(y)
    return sy


@njit(cache=True)
def dot(a, b):
    """a . b (float64)."""
    acc = 0.0
    for i in range(a.shape[0]):
        acc += a[i] * b[i]
    return acc


@njit(cache=True)
def pseudo_gradient(x, g, c1, pg):
    """OWL-QN pseudo-gradient of f(x) + c1 * ||x||_1 (g = gradient of f), into pg; returns
    ||x||_1."""
    norm1 = 0.0
    for i in range(x.shape[0]):
        xi = x[i]
        if xi > 0:
            pg[i] = g[i] + c1
            norm1 += xi
        elif xi < 0:
            pg[i] = g[i] - c1
            norm1 -= xi
        elif g[i] + c1 < 0:
            pg[i] = g[i] + c1
        elif g[i] - c1 > 0:
            pg[i] = g[i] - c1
        else:
            pg[i] = 0.0
    return norm1


@njit(cache=True)
def orthant_direction(d, pg):
    """Zero every coordinate of the direction d that does not descend along -pg."""
    for i in range(d.shape[0]):
        if d[i] * pg[i] >= 0:
            d[i] = 0.0


@njit(cache=True)
def project_step(x, step, d, pg, out):
    """out = x + step * d projected onto the orthant of x (of -pg where x is 0): a coordinate
    that would change sign becomes 0. Returns (||out||_1, pg . (out - x))."""
    norm1 = 0.0
    dec = 0.0
    for i in range(x.shape[0]):
        xi = x[i]
        o = xi + step * d[i]
        if xi != 0.0:
            sign = 1.0 if xi > 0 else -1.0
        else:
            sign = -1.0 if pg[i] > 0 else (1.0 if pg[i] < 0 else 0.0)
        if o * sign <= 0.0:
            o = 0.0
        out[i] = o
        norm1 += abs(o)
        dec += pg[i] * (o - xi)
    return norm1, dec
