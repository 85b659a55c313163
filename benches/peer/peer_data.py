"""The two sweeps' data and settings, shared by every peer (eager PyTorch, torch.func vmap, JAX
vmap) so that they all train the same experiment as seedscope's presets. numpy only.

reference (assets/presets/reference.json): circles, 1000 points, noise 0.1, a random 30% test
split, MLP 2-16-16-1 ReLU with dropout 0.1, BCE with logits, Adam lr 0.01, batch 32, 100 epochs.
digits (assets/presets/digits.json): scikit-learn's digits (assets/datasets/digits.csv.gz), a
stratified 30% test split, features standardised with the training rows' mean and std, MLP
64-32-10 ReLU with dropout 0.1, softmax cross-entropy, Adam lr 0.005, batch 32, 15 epochs.
"""

import gzip
import json
import math
import os
import resource
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
DIGITS = os.path.join(HERE, "..", "..", "assets", "datasets", "digits.csv.gz")

SWEEPS = {
    "reference": dict(widths=[2, 16, 16, 1], dropout=0.1, lr=0.01, batch=32, epochs=100,
                      classes=None),
    "digits": dict(widths=[64, 32, 10], dropout=0.1, lr=0.005, batch=32, epochs=15,
                   classes=10),
}


def circles(n, noise, rng):
    inner = np.arange(n) % 2 == 1
    angle = rng.uniform(0, 2 * math.pi, n)
    radius = np.where(inner, 0.5, 1.0)
    x = np.stack([radius * np.cos(angle), radius * np.sin(angle)], axis=1)
    x += noise * rng.standard_normal((n, 2))
    return x.astype(np.float32), inner.astype(np.float32)[:, None]


_DIGITS = None


def load_digits():
    global _DIGITS
    if _DIGITS is None:
        with gzip.open(DIGITS, "rt") as f:
            table = np.loadtxt(f, delimiter=",", dtype=np.float32)
        _DIGITS = table[:, :64], table[:, 64].astype(np.int64)
    return _DIGITS


def stratified_split(labels, rng, fraction=0.3):
    test, train = [], []
    for digit in range(10):
        rows = rng.permutation(np.flatnonzero(labels == digit))
        n_test = int(round(len(rows) * fraction))
        test.extend(rows[:n_test])
        train.extend(rows[n_test:])
    return np.array(test), np.array(train)


def run_data(sweep, seed):
    """One run's (x_train, y_train, x_test, y_test): its own data sample (circles) and its
    own split, as with every source but threads free. Digits labels are class indices."""
    rng = np.random.default_rng(seed)
    if sweep == "reference":
        x, y = circles(1000, 0.1, rng)
        order = rng.permutation(1000)
        test, train = order[:300], order[300:]
        return x[train], y[train], x[test], y[test]
    x, y = load_digits()
    test, train = stratified_split(y, rng)
    mean, std = x[train].mean(0), x[train].std(0)
    std[std == 0] = 1
    return (x[train] - mean) / std, y[train], (x[test] - mean) / std, y[test]


def sweep_data(sweep, seeds):
    """Every run's data stacked on a leading run axis (every run has as many rows)."""
    parts = [run_data(sweep, seed) for seed in seeds]
    return [np.stack([p[i] for p in parts]) for i in range(4)]


def measure(peer, sweep, runs, timed):
    """Times a vmapped peer as seedscope's like-for-like figure: a warm-up sweep on other seeds
    (it compiles), the timed sweep, then one run alone (after compiling its shapes). `timed(runs,
    first_seed)` trains that sweep and returns (wall seconds, CPU seconds, accuracies). Prints
    the keys of `seedscope bench --json`."""
    started = time.process_time()
    timed(runs, 10_000)
    warmup_seconds = time.process_time() - started
    wall, cpu, accuracies = timed(runs, 1)
    timed(1, 20_000)
    single_wall, _, _ = timed(1, 1)
    print(json.dumps({
        "peer": peer,
        "sweep": sweep,
        "sweep_seconds": wall,
        "runs": runs,
        "ms_per_run": cpu * 1000 / runs,
        "ms_single_run": single_wall * 1000,
        "runs_per_second": runs / wall,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "workers": 1,
        "compile_and_warmup_seconds": warmup_seconds,
        "mean_accuracy": float(np.mean(accuracies)),
    }))
