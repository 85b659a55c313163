"""A small classifier in plain Python (standard library only), wired to seedscope.

    seedscope run --command "python3 train.py" --seed 42 --repeats 10 --out results.json

Every random choice draws from the generator of its own source: the data sample (two noisy
interleaved half-moons), the train/test split, the initial weights, the dropout masks and the
shuffle order. `--leak` adds the bug seedscope's diagnosis exists to find: the shuffle order
drawn from a generator seeded by the clock, as an unseeded library call would.
`--shuffle-from-init` draws the shuffle order from the init seed, as scikit-learn does with one
`random_state` for both: seedscope's diagnosis says shuffle follows the init seed.
"""

import math
import os
import random
import sys

try:
    import seedscope_run as ss
except ImportError:  # run from the repository: the helper lives in assets/command/
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path.insert(0, os.path.join(here, "..", "..", "assets", "command"))
    import seedscope_run as ss

POINTS, HIDDEN, EPOCHS, BATCH, RATE, DROPOUT, TEST_FRACTION = 240, 8, 25, 16, 0.3, 0.2, 0.3


def moons(rng, n, noise=0.25):
    """Two interleaved half-circles with Gaussian noise."""
    points = []
    for i in range(n):
        label = i % 2
        angle = rng.uniform(0.0, math.pi)
        x, y = (math.cos(angle), math.sin(angle)) if label == 0 else (1 - math.cos(angle), 0.5 - math.sin(angle))
        points.append((x + rng.gauss(0, noise), y + rng.gauss(0, noise), label))
    return points


def sigmoid(z):
    return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, z))))


def main():
    leak = "--leak" in sys.argv[1:]
    rng_data, rng_split = ss.rng("data"), ss.rng("split")
    rng_init, rng_dropout = ss.rng("init"), ss.rng("dropout")
    if leak:
        rng_shuffle = random.Random()  # the bug: seeded by the OS, not by seedscope
    elif "--shuffle-from-init" in sys.argv[1:]:
        rng_shuffle = random.Random(ss.seed("init") + 1)  # one random_state for both
    else:
        rng_shuffle = ss.rng("shuffle")

    data = moons(rng_data, POINTS)
    order = list(range(POINTS))
    rng_split.shuffle(order)
    n_test = int(POINTS * TEST_FRACTION)
    test_ids, train_ids = sorted(order[:n_test]), order[n_test:]

    limit = math.sqrt(6.0 / (2 + HIDDEN))
    w1 = [[rng_init.uniform(-limit, limit) for _ in range(HIDDEN)] for _ in range(2)]
    b1 = [0.0] * HIDDEN
    w2 = [rng_init.uniform(-limit, limit) for _ in range(HIDDEN)]
    b2 = 0.0

    def forward(x, y, mask=None):
        hidden = []
        for j in range(HIDDEN):
            h = max(0.0, x * w1[0][j] + y * w1[1][j] + b1[j])
            if mask is not None:
                h = h * mask[j] / (1.0 - DROPOUT)
            hidden.append(h)
        return hidden, sigmoid(sum(h * w for h, w in zip(hidden, w2)) + b2)

    curve, train_loss = [], []
    for _ in range(EPOCHS):
        rng_shuffle.shuffle(train_ids)
        epoch_loss = 0.0
        for start in range(0, len(train_ids), BATCH):
            batch = train_ids[start:start + BATCH]
            g1 = [[0.0] * HIDDEN for _ in range(2)]
            gb1, g2, gb2 = [0.0] * HIDDEN, [0.0] * HIDDEN, 0.0
            for i in batch:
                x, y, label = data[i]
                mask = [0.0 if rng_dropout.random() < DROPOUT else 1.0 for _ in range(HIDDEN)]
                hidden, p = forward(x, y, mask)
                # Binary cross-entropy as trained (with dropout); it draws nothing.
                epoch_loss -= math.log(max(p if label == 1 else 1.0 - p, 1e-12))
                d = p - label
                gb2 += d
                for j in range(HIDDEN):
                    g2[j] += d * hidden[j]
                    if hidden[j] > 0.0:
                        dh = d * w2[j] * mask[j] / (1.0 - DROPOUT)
                        g1[0][j] += dh * x
                        g1[1][j] += dh * y
                        gb1[j] += dh
            scale = RATE / len(batch)
            for j in range(HIDDEN):
                w1[0][j] -= scale * g1[0][j]
                w1[1][j] -= scale * g1[1][j]
                b1[j] -= scale * gb1[j]
                w2[j] -= scale * g2[j]
            b2 -= scale * gb2
        train_loss.append(epoch_loss / len(train_ids))
        errors = [0.0 if (forward(*data[i][:2])[1] > 0.5) == (data[i][2] == 1) else 1.0 for i in test_ids]
        curve.append(1.0 - sum(errors) / len(errors))

    predictions = [1.0 if forward(*data[i][:2])[1] > 0.5 else 0.0 for i in test_ids]
    errors = [0.0 if p == data[i][2] else 1.0 for p, i in zip(predictions, test_ids)]
    weights = [v for row in w1 for v in row] + b1 + w2 + [b2]
    ss.report(metric="accuracy", value=1.0 - sum(errors) / len(errors), higher_is_better=True,
              test_ids=test_ids, test_errors=errors, predictions=predictions, curve=curve,
              train_loss=train_loss, weights=weights)


if __name__ == "__main__":
    main()
