"""Do seedscope and an independent implementation agree on the spread they measure?

Compares the final test accuracies of seedscope's like-for-like sweep (a results file from
`seedscope run --preset reference --conditions free:data+split+init+dropout+shuffle
--repeats N --workers 1 --out F`) with as many runs of the torch.func peer (its own data
draws, initialisations, dropout masks and shuffles, by torch's and numpy's RNGs): the means,
the spreads, Welch's t-test and a two-sample Kolmogorov–Smirnov test. Run after a change to
the engine's arithmetic (a NUMERICS_VERSION bump): the distributions must agree within
sampling error.

    python3 accuracy_agreement.py RESULTS.json [--sweep reference|digits]
"""

import argparse
import json
import math

from scipy import stats

import torch_vmap


def summary(values):
    mean = sum(values) / len(values)
    sd = math.sqrt(sum((v - mean) ** 2 for v in values) / (len(values) - 1))
    return mean, sd


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("results")
    parser.add_argument("--sweep", choices=sorted(torch_vmap.SWEEPS), default="reference")
    args = parser.parse_args()
    with open(args.results) as f:
        data = json.load(f)
    runs = data["runs"] if isinstance(data, dict) else data
    ours = [r["final_test_metric"] for r in runs if r.get("final_test_metric") is not None]
    test_points = len(runs[0]["test_predictions"])
    torch_vmap.torch.set_num_threads(1)
    peer = []
    # 240 runs at a time (the peer's memory grows with the runs it stacks), other seeds than
    # the timed sweeps'.
    for first in range(5000, 5000 + len(ours), 240):
        count = min(240, 5000 + len(ours) - first)
        _, _, accuracies = torch_vmap.timed_sweep(args.sweep, count, first, False, {})
        peer += [float(a) for a in accuracies]
    # Both are counts of correct test points: the peer's float32 means must not break ties.
    ours = [round(a * test_points) / test_points for a in ours]
    peer = [round(a * test_points) / test_points for a in peer]
    (m1, s1), (m2, s2) = summary(ours), summary(peer)
    se = math.sqrt(s1 ** 2 / len(ours) + s2 ** 2 / len(peer))
    print(f"seedscope {m1:.4f} ± {s1:.4f} (n={len(ours)}); torch.func peer {m2:.4f} ± {s2:.4f} "
          f"(n={len(peer)}); difference {m1 - m2:+.4f} ({abs(m1 - m2) / se:.1f} standard errors); "
          f"Welch p = {stats.ttest_ind(ours, peer, equal_var=False).pvalue:.2f}; "
          f"KS p = {stats.ks_2samp(ours, peer).pvalue:.2f}")


if __name__ == "__main__":
    main()
