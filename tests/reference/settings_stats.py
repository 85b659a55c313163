"""The reference numbers held in tests/settings_stats.rs, computed once with SciPy/NumPy.

    pip install scipy numpy   # SciPy 1.17.1 here
    python3 tests/reference/settings_stats.py

Each line prints what the Rust test asserts; the test holds the numbers, not this script.
"""

import numpy as np
from scipy import stats

# Two settings, twelve paired runs (run r of each drew the same seeds); the differences
# have twelve distinct magnitudes, so the exact test applies.
A = [0.912, 0.925, 0.931, 0.919, 0.940, 0.921, 0.915, 0.936, 0.930, 0.921, 0.931, 0.922]
B = [0.905, 0.921, 0.918, 0.917, 0.931, 0.915, 0.916, 0.925, 0.920, 0.913, 0.926, 0.919]
# A third setting, for the tests of several (its differences from A and B are distinct too).
C = [0.901, 0.919, 0.923, 0.910, 0.928, 0.914, 0.910, 0.933, 0.908, 0.922, 0.916, 0.908]
# Paired differences with a zero and tied magnitudes: the normal approximation's case.
TIED_A = [0.90, 0.92, 0.93, 0.91, 0.95, 0.90, 0.94, 0.92]
TIED_B = [0.89, 0.90, 0.93, 0.92, 0.93, 0.88, 0.93, 0.91]

print("wilcoxon exact", stats.wilcoxon(A, B, method="exact"))
print("wilcoxon approx tied", stats.wilcoxon(TIED_A, TIED_B, method="approx", zero_method="wilcox", correction=False))
print("mannwhitneyu asymptotic", stats.mannwhitneyu(A, B, method="asymptotic", use_continuity=True))
print("friedman", stats.friedmanchisquare(A, B, C))
print("kruskal", stats.kruskal(A, B, C))

pairs = [("A", "B", A, B), ("A", "C", A, C), ("B", "C", B, C)]
raw = [stats.wilcoxon(x, y, method="exact").pvalue for _, _, x, y in pairs]
order = np.argsort(raw)
m = len(raw)
holm = np.empty(m)
running = 0.0
for rank, i in enumerate(order):
    running = max(running, min(1.0, (m - rank) * raw[i]))
    holm[i] = running
print("wilcoxon raw", raw)
print("holm", list(holm))
try:
    from statsmodels.stats.multitest import multipletests
    print("statsmodels holm", list(multipletests(raw, method="holm")[1]))
except ImportError:
    pass

a, b = np.array(A), np.array(B)
d = a - b
print("cohen d_z (paired)", d.mean() / d.std(ddof=1))
pooled = np.sqrt(((len(a) - 1) * a.var(ddof=1) + (len(b) - 1) * b.var(ddof=1)) / (len(a) + len(b) - 2))
print("cohen d (unpaired)", (a.mean() - b.mean()) / pooled)
u = stats.mannwhitneyu(A, B).statistic
print("rank-biserial (unpaired)", 2 * u / (len(a) * len(b)) - 1)
nz = d[d != 0]
ranks = stats.rankdata(np.abs(nz))
w_plus, w_minus = ranks[nz > 0].sum(), ranks[nz < 0].sum()
print("rank-biserial (paired)", (w_plus - w_minus) / (w_plus + w_minus))
print("iqm A", stats.trim_mean(A, 0.25))
print("iqm C", stats.trim_mean(C + [0.95], 0.25))
