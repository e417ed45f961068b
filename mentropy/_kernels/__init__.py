"""Numba kernels. The contract: arrays in, arrays out, fixed dtypes, no Python objects.

int32 ids and tags, uint64 n-gram keys, int64 counts, offsets and positions, float64 scores.
Wrappers in the public modules coerce and validate their input once, so a kernel never sees a
wrong dtype and bad input fails in Python with a clear message (and numba compiles one
specialisation per kernel).

Cache policy (STYLE.md §2.3 rule 9): a kernel and every jitted helper it calls live in one
file; no kernel file imports from another. numba's on-disk cache checks only the source file
of the function it loads: a kernel that called a helper from another file would keep running
the old machine code after that helper changed. So the one unigram Viterbi body lives in
``viterbi.py`` together with every kernel that runs it (the Segmenter's ``segment_lines``, the
lexicon builder's ``segment_tokens``, ``best_split``, ``prune_by_description_length`` and
``word_pmi``), and the trie lookup it needs is a copy of ``trie.child`` (tests/test_segment.py
checks that the constants agree and that both give the same answers). Constants shared by two
files (the key layout: ``CODE_BITS``, ``PER_WORD``) are imported by the Python wrappers, never
by kernels.

Start-up: each command loads only the kernels it calls from the cache (about 3 ms each after
numba's first-load set-up); kernels avoid whole-array operations and row assignments that
compile numba's error formatting, and no kernel is ``parallel=True`` (its compilation cost
more than a second of every first run for no gain on two cores; see
benchmarks/RESULTS_startup.md).
"""
