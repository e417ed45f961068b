"""Training of the CRF weights: L-BFGS on the L2-regularised negative log-likelihood.

The gradient over all sentences comes from the numba kernel
(:func:`mentropy._kernels.crf.nll_grad`), in one call for data held as arrays
(:class:`ArrayData`) or one per shard (:class:`mentropy.crf_data.TrainingData`); the
optimiser's vector updates are numpy. Everything is deterministic: the held-out sentences are
drawn with a fixed seed and the gradient is summed in sentence order within a shard and in shard
order across shards, so the same data and options give the same weights bit for bit.
"""
from __future__ import annotations

import logging
import math
import time
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from mentropy._kernels import crf as K
from mentropy._kernels import lbfgs as KL
from mentropy.errors import MentropyError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TrainOptions:
    """Options of the optimiser (the defaults of python-crfsuite's L-BFGS where they match)."""

    max_iterations: int = 200  # L-BFGS iterations
    c2: float = 1.0  # L2 penalty: c2 * ||w||^2 is added to the loss
    c1: float = 0.0  # L1 penalty: c1 * ||w||_1 (OWL-QN; 0 = off)
    history: int = 6  # L-BFGS memory (pairs of vectors)
    epsilon: float = 1e-5  # stop when ||g|| / max(1, ||w||) < epsilon
    period: int = 10  # stop when the loss fell by less than delta (relative) in `period` its
    delta: float = 1e-5
    holdout: float = 0.0  # share of sentences held out for early stopping (0 = none)
    check_every: int = 10  # held-out loss computed every this many iterations
    patience: int = 2  # stop after this many checks without a better held-out loss
    seed: int = 0  # draws the held-out sentences

    def validate(self) -> "TrainOptions":
        """Raise MentropyError for an option out of range; return self."""
        if not isinstance(self.max_iterations, int) or self.max_iterations < 1:
            raise MentropyError(f"max_iterations must be >= 1, not {self.max_iterations!r}")
        if not (math.isfinite(self.c2) and self.c2 >= 0):
            raise MentropyError(f"c2 must be a finite number >= 0, not {self.c2!r}")
        if not (math.isfinite(self.c1) and self.c1 >= 0):
            raise MentropyError(f"c1 must be a finite number >= 0, not {self.c1!r}")
        if not 0 <= self.holdout < 0.5:
            raise MentropyError(f"holdout must be in [0, 0.5), not {self.holdout!r}")
        if self.history < 1 or self.check_every < 1 or self.patience < 1 or self.period < 1:
            raise MentropyError("history, check_every, patience and period must be >= 1")
        return self

    def to_dict(self) -> dict[str, Any]:
        """The options as a JSON-ready dict."""
        return asdict(self)


@dataclass
class TrainReport:
    """What training did: iterations, final losses, time, why it stopped."""

    iterations: int
    loss: float
    heldout_loss: float | None
    seconds: float
    stopped: str
    n_sentences: int
    n_heldout: int
    n_features: int
    n_bad: int
    # how the run went, not what it learnt (left out of the model file): shards of the text,
    # processes computing the gradient, peak resident bytes (all processes), temporary bytes
    shards: int = 1
    workers: int = 1
    peak_memory: int = 0
    temp_bytes: int = 0

    RUN_FIELDS = ("seconds", "shards", "workers", "peak_memory", "temp_bytes")

    def to_dict(self) -> dict[str, Any]:
        """The report as a JSON-ready dict."""
        return asdict(self)


def split_heldout(n_sent: int, share: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(training, held-out) sentence indices (int64, sorted), drawn with `seed`."""
    if share <= 0 or n_sent < 2:
        return np.arange(n_sent, dtype=np.int64), np.zeros(0, dtype=np.int64)
    k = min(max(1, int(round(n_sent * share))), n_sent - 1)
    perm = np.random.default_rng(seed).permutation(n_sent)
    return np.sort(perm[k:]).astype(np.int64), np.sort(perm[:k]).astype(np.int64)


class ArrayData:
    """Training data held as arrays (one shard): what :func:`train` needs of its data."""

    def __init__(self, feats: np.ndarray, offsets: np.ndarray, mask: np.ndarray,
                 n_features: int) -> None:
        self.feats, self.offsets, self.mask = feats, offsets, mask
        self.n_features = int(n_features)
        self.n_sentences = int(offsets.shape[0] - 1)

    def nll_grad(self, w: np.ndarray, trans: np.ndarray, sentences: np.ndarray,
                 grad_w: np.ndarray, grad_trans: np.ndarray) -> tuple[float, int]:
        """Loss of `sentences` and its gradient (added to grad_*), sentences with no path."""
        loss, bad = K.nll_grad(self.feats, self.offsets, self.mask, w, trans, sentences,
                               grad_w, grad_trans)
        return float(loss), int(bad)


def train_lbfgs(feats: np.ndarray, offsets: np.ndarray, mask: np.ndarray, n_features: int,
                options: TrainOptions, *, progress: bool | None = None
                ) -> tuple[np.ndarray, np.ndarray, TrainReport]:
    """Weights (float64[n_features, 4]) and transitions (float64[4, 4]) minimising
    NLL + c2 * ||params||^2 + c1 * ||params||_1 on the sentences not held out (OWL-QN when
    c1 > 0).

    feats : int32[n_pos, n_templates] dense feature ids < n_features; offsets : int64 sentence
    bounds; mask : uint8[n_pos] labels as tag bit sets.
    """
    return train(ArrayData(feats, offsets, mask, n_features), options, progress=progress)


def train(data: Any, options: TrainOptions, *, progress: bool | None = None
          ) -> tuple[np.ndarray, np.ndarray, TrainReport]:
    """As :func:`train_lbfgs`, on `data` with ``n_sentences``, ``n_features`` and
    ``nll_grad(w, trans, sentences, grad_w, grad_trans) -> (loss, n_bad)``: an
    :class:`ArrayData` or a :class:`mentropy.crf_data.TrainingData` (by shards)."""
    from tqdm.auto import tqdm

    options.validate()
    n_sent = data.n_sentences
    n_features = data.n_features
    train_idx, held_idx = split_heldout(n_sent, options.holdout, options.seed)
    n_w = n_features * 4
    n_x = n_w + 16
    m = options.history
    # every vector of the parameter size is allocated here once: 5 in float64, the 2m of the
    # history in float32 (the curvature pairs need no more precision; memory ~ (5 + m) * 8n)
    x, grad = np.zeros(n_x), np.zeros(n_x)
    x_new, g_new, d = np.empty(n_x), np.empty(n_x), np.empty(n_x)
    s_hist = np.empty((m, n_x), dtype=np.float32)
    y_hist = np.empty((m, n_x), dtype=np.float32)
    rho = np.zeros(m)
    c2 = float(options.c2)
    c1 = float(options.c1)
    pg = np.empty(n_x) if c1 > 0 else grad  # OWL-QN's pseudo-gradient (L1), else the gradient
    bad = [0]

    def objective(params: np.ndarray, idx: np.ndarray, g: np.ndarray) -> float:
        w = params[:n_w].reshape(n_features, 4)
        trans = params[n_w:].reshape(4, 4)
        g[:] = 0.0
        loss, n_bad = data.nll_grad(w, trans, idx, g[:n_w].reshape(n_features, 4),
                                    g[n_w:].reshape(4, 4))
        bad[0] = n_bad
        if c2 > 0:
            loss += KL.l2_penalty(params, c2, g)
        return float(loss)

    t0 = time.perf_counter()
    f = objective(x, train_idx, grad)  # smooth part (NLL + L2); F = f + c1 * ||x||_1
    if bad[0] == len(train_idx):
        raise MentropyError("no training sentence has a valid BMES labelling")
    if not math.isfinite(f):
        raise MentropyError("the loss is not finite at the start of training")
    order: list[int] = []  # history slots, newest first
    norm1 = KL.pseudo_gradient(x, grad, c1, pg) if c1 > 0 else 0.0
    losses = [f + c1 * norm1]
    best_held, best_x, since_best = math.inf, None, 0
    held_loss: float | None = None
    stopped = "max_iterations"
    it = 0
    bar = tqdm(total=options.max_iterations, desc="training CRF", unit="it",
               disable=None if progress is None else not progress, leave=False)
    try:
        for it in range(1, options.max_iterations + 1):
            KL.two_loop(pg, s_hist, y_hist, rho, np.array(order, dtype=np.int64), d)
            if c1 > 0:
                KL.orthant_direction(d, pg)
            gtd = KL.dot(pg, d)
            if not gtd < 0:
                order.clear()
                np.negative(pg, out=d)
                gtd = KL.dot(pg, d)
            step = 1.0 if order else 1.0 / max(math.sqrt(KL.dot(pg, pg)), 1e-12)
            big_f = f + c1 * norm1
            for _ in range(40):  # backtracking, Armijo condition
                if c1 > 0:
                    norm1_new, dec = KL.project_step(x, step, d, pg, x_new)
                else:
                    KL.step_to(x, step, d, x_new)
                    norm1_new, dec = 0.0, step * gtd
                f_new = objective(x_new, train_idx, g_new)
                big_new = f_new + c1 * norm1_new
                if math.isfinite(big_new) and big_new <= big_f + 1e-4 * dec:
                    break
                step *= 0.5 if not math.isfinite(big_new) or c1 > 0 else max(
                    0.1, min(0.5, -gtd * step / (2 * (f_new - f - gtd * step))))
            else:
                stopped = "line search failed"
                break
            if not np.isfinite(g_new).all():
                raise MentropyError(f"training diverged at iteration {it}: the gradient is "
                                    "not finite (try a larger c2)")
            if len(order) == m:
                slot = order.pop()  # the oldest pair makes room
            else:
                slot = min(set(range(m)) - set(order))
            sy = KL.store_pair(x_new, x, g_new, grad, s_hist[slot], y_hist[slot])
            if sy > 1e-10:  # else the pair is dropped (curvature not positive)
                rho[slot] = 1.0 / sy
                order.insert(0, slot)
            x, x_new = x_new, x
            grad, g_new = g_new, grad
            f = f_new
            if c1 > 0:
                norm1 = KL.pseudo_gradient(x, grad, c1, pg)
            else:
                pg = grad
            losses.append(f + c1 * norm1)
            bar.update(1)
            bar.set_postfix(loss=f"{losses[-1]:.6g}")
            if len(held_idx) and it % options.check_every == 0:
                held_loss = objective(x, held_idx, d) - (KL.dot(x, x) * c2)  # NLL only
                if held_loss < best_held:
                    best_held, best_x, since_best = held_loss, x.copy(), 0
                else:
                    since_best += 1
                    if since_best >= options.patience:
                        stopped = "held-out loss"
                        break
            if math.sqrt(KL.dot(pg, pg)) / max(1.0, math.sqrt(KL.dot(x, x))) < \
                    options.epsilon:
                stopped = "gradient"
                break
            if len(losses) > options.period:
                old = losses[-1 - options.period]
                if (old - losses[-1]) / max(abs(losses[-1]), 1e-300) < options.delta:
                    stopped = "delta"
                    break
    finally:
        bar.close()
    if best_x is not None and held_loss is not None and held_loss > best_held:
        x = best_x
        held_loss = best_held
    report = TrainReport(iterations=it, loss=losses[-1], heldout_loss=held_loss,
                         seconds=time.perf_counter() - t0, stopped=stopped,
                         n_sentences=int(len(train_idx)), n_heldout=int(len(held_idx)),
                         n_features=int(n_features), n_bad=bad[0])
    log.info("CRF trained: %d iterations, loss %.6g, %.1f s (%s)", it, f, report.seconds, stopped)
    return x[:n_w].reshape(n_features, 4).copy(), x[n_w:].reshape(4, 4).copy(), report

