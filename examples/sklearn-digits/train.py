"""scikit-learn's MLPClassifier on the 8x8 digits, seeded the way scikit-learn allows.

    seedscope run --command "python3 train.py" --seed 42 --repeats 10 --out results.json

scikit-learn takes one `random_state` for the weights' initialisation *and* the order of the
mini-batches, so the script passes it the init seed and has nothing to give the shuffle seed;
MLPClassifier has no dropout. seedscope's diagnosis says both: the command ignores
SEEDSCOPE_SEED_SHUFFLE (and _DROPOUT), and shuffle probably follows the init seed.
"""

import gzip
import os
import sys
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier

try:
    import seedscope_run as ss
except ImportError:  # run from the repository: the helper lives in assets/command/
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path.insert(0, os.path.join(here, "..", "..", "assets", "command"))
    import seedscope_run as ss

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    path = os.path.join(HERE, "..", "..", "assets", "datasets", "digits.csv.gz")
    with gzip.open(path, "rt") as handle:
        rows = np.loadtxt(handle, delimiter=",")
    x, y = rows[:, :64] / 16.0, rows[:, 64].astype(int)
    ids = np.arange(len(y))
    train_ids, test_ids = train_test_split(ids, test_size=0.3, stratify=y,
                                           random_state=ss.seed32("split"))
    train_ids = np.random.default_rng(ss.seed("data")).choice(train_ids, size=len(train_ids))
    model = MLPClassifier(hidden_layer_sizes=(32,), max_iter=30, batch_size=64,
                          learning_rate_init=0.01, random_state=ss.seed32("init"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(x[train_ids], y[train_ids])
    test_ids = np.sort(test_ids)
    predicted = model.predict(x[test_ids])
    errors = (predicted != y[test_ids]).astype(float)
    ss.report(metric="accuracy", value=1.0 - errors.mean(), higher_is_better=True,
              test_ids=test_ids.tolist(), test_errors=errors.tolist(),
              predictions=predicted.tolist(), train_loss=model.loss_curve_,
              weights=list(model.coefs_) + list(model.intercepts_))


if __name__ == "__main__":
    main()
