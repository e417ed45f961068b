"""Numba kernels. The contract: arrays in, arrays out, fixed dtypes, no Python objects.

int32 ids and tags, uint64 n-gram keys, int64 counts, offsets and positions, float64 scores.
Wrappers in the public modules coerce and validate their input once, so a kernel never sees a
wrong dtype and bad input fails in Python with a clear message (and numba compiles one
specialisation per kernel).

Cache policy (STYLE.md §2.3 rule 9): a kernel and every jitted helper it calls live in one
file; no kernel file imports from another. numba's on-disk cache checks only the source file
of the function it loads: a kernel that called a helper from another file would keep running
the old machine code after that helper changed. So the one unigram Viterbi body lives in
``viterbi.py`` together with every kernel that runs it (``segment_lines``, which the Segmenter
and the lexicon builder both call, and the builder's ``best_split`` inside
``prune_by_description_length`` and ``word_pmi``), and the trie lookup it needs is a copy of
``trie.child`` (tests/test_segment.py checks that the constants agree and that matching as it
walks gives the candidates of ``trie.match_lines``). A constant two kernel files need is
copied too (``lexicon.CODE_BITS`` is ``ngrams.CODE_BITS``; tests/test_kernels_ngrams.py
checks); Python code takes the key layout from ``ngrams`` through ``counts.key_slot``,
``pack_ids`` and ``unpack_ids``.

Start-up (benchmarks/RESULTS_startup.md): each command loads only the kernels it calls from
the cache (a few ms each after numba's first-load set-up). For the first run, which compiles
them all: every separately jitted function costs ~0.1 s, so a helper with one caller is
written into it (or marked ``inline="always"`` when it is a few lines); kernels avoid row and
slice assignments that compile numba's shape-error formatting (~1.5 s), and return from one
place (each ``return a[:k].copy(), ...`` compiles its own copies); a copy that numpy does in
milliseconds is no kernel (tests/test_startup.py checks that a first ``segment`` compiles no
shape-error formatting and nothing beyond the atoms, dictionary, trie and Viterbi kernels);
wrappers pass one type per argument (writable contiguous arrays, run-time flags rather than
literals) so each kernel has one specialisation (tests/test_startup.py checks); no kernel is
``parallel=True`` (its compilation cost ~2 s of every first run): the long one releases the
GIL (``nogil``) and its caller splits the work between threads.
"""
