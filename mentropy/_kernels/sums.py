"""numpy's float64 sum, reproduced so that a sum can be taken piece by piece (DESIGN §7).

``np.sum`` of a contiguous float64 array adds by pairs: blocks of at most 128 values are
summed with eight accumulators, longer runs are split in two halves (the first rounded down to
a multiple of 8) and the halves' sums are added. `pairwise_sum` is that rule; a caller that
splits a sum the same way above its own block size (mining.token_sum) gets the bits np.sum
would give for the whole array without holding it (tests/test_templates.py checks).
"""
import numpy as np
from numba import njit

BLOCK = 128  # numpy's PW_BLOCKSIZE


@njit(cache=True)
def pairwise_sum(values):
    """The sum of `values` (float64[:], contiguous), bit for bit as ``np.sum(values)``."""
    n = values.shape[0]
    if n < 8:
        res = 0.0
        for i in range(n):
            res += values[i]
        return res
    if n <= BLOCK:
        r = np.empty(8, np.float64)
        for j in range(8):
            r[j] = values[j]
        i = 8
        while i < n - n % 8:
            for j in range(8):
                r[j] += values[i + j]
            i += 8
        res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
        while i < n:
            res += values[i]
            i += 1
        return res
    n2 = n // 2
    n2 -= n2 % 8
    return pairwise_sum(values[:n2]) + pairwise_sum(values[n2:])
