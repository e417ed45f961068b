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
