"""Numba kernels. The contract: arrays in, arrays out, fixed dtypes, no Python objects.

int32 ids and tags, uint64 n-gram keys, int64 counts, offsets and positions, float64 scores.
Wrappers in the public modules coerce and validate their input once, so a kernel never sees a
wrong dtype and bad input fails in Python with a clear message.
"""
