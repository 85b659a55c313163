//! The statistics of a settings study against SciPy 1.17.1 / NumPy on fixed inputs. The
//! numbers were computed once by `python3 tests/reference/settings_stats.py` (kept in the
//! repository) and are held here as numbers.

use seedscope::analysis::effect::{
    cohen_d, cohen_dz, interquartile_mean, interquartile_mean_ci, rank_biserial,
    rank_biserial_paired,
};
use seedscope::analysis::rank_tests::{friedman, holm, kruskal_wallis, mann_whitney, wilcoxon};

const A: [f64; 12] = [
    0.912, 0.925, 0.931, 0.919, 0.940, 0.921, 0.915, 0.936, 0.930, 0.921, 0.931, 0.922,
];
const B: [f64; 12] = [
    0.905, 0.921, 0.918, 0.917, 0.931, 0.915, 0.916, 0.925, 0.920, 0.913, 0.926, 0.919,
];
const C: [f64; 12] = [
    0.901, 0.919, 0.923, 0.910, 0.928, 0.914, 0.910, 0.933, 0.908, 0.922, 0.916, 0.908,
];
const TIED_A: [f64; 8] = [0.90, 0.92, 0.93, 0.91, 0.95, 0.90, 0.94, 0.92];
const TIED_B: [f64; 8] = [0.89, 0.90, 0.93, 0.92, 0.93, 0.88, 0.93, 0.91];

fn close(actual: f64, expected: f64, tolerance: f64) -> bool {
    (actual - expected).abs() <= tolerance
}

#[test]
fn wilcoxon_matches_scipy_exact_and_approximate() {
    // stats.wilcoxon(A, B, method="exact") → statistic 1.0, p 0.0009765625
    let exact = wilcoxon(&A, &B).unwrap();
    assert_eq!(exact.statistic, 1.0);
    assert!(close(exact.p, 0.000_976_562_5, 1e-15), "{exact:?}");
    // One zero difference and tied magnitudes: stats.wilcoxon(TIED_A, TIED_B,
    // method="approx", zero_method="wilcox", correction=False) → 3.0, p 0.06063244747062036
    let approx = wilcoxon(&TIED_A, &TIED_B).unwrap();
    assert_eq!(approx.statistic, 3.0);
    assert!(
        close(approx.p, 0.060_632_447_470_620_36, 1e-10),
        "{approx:?}"
    );
}

#[test]
fn mann_whitney_matches_scipy() {
    // stats.mannwhitneyu(A, B, method="asymptotic", use_continuity=True) → 103.5, p 0.0728…
    let u = mann_whitney(&A, &B).unwrap();
    assert_eq!(u.statistic, 103.5);
    assert!(close(u.p, 0.072_800_213_993_241_64, 1e-10), "{u:?}");
}

#[test]
fn friedman_and_kruskal_wallis_match_scipy() {
    let settings = vec![A.to_vec(), B.to_vec(), C.to_vec()];
    // stats.friedmanchisquare(A, B, C) → 14.0, p 0.0009118819655545164
    let f = friedman(&settings).unwrap();
    assert!(close(f.statistic, 14.0, 1e-12), "{f:?}");
    assert!(close(f.p, 0.000_911_881_965_554_516_4, 1e-14), "{f:?}");
    // stats.kruskal(A, B, C) → 5.953356123151013, p 0.0509618450984349
    let k = kruskal_wallis(&settings).unwrap();
    assert!(close(k.statistic, 5.953_356_123_151_013, 1e-10), "{k:?}");
    assert!(close(k.p, 0.050_961_845_098_434_9, 1e-12), "{k:?}");
}

#[test]
fn holm_matches_the_step_down_correction() {
    // Pairwise exact Wilcoxon p of (A,B), (A,C), (B,C): 0.0009765625, 0.0009765625,
    // 0.20361328125; Holm → 0.0029296875, 0.0029296875, 0.20361328125
    let raw: Vec<f64> = [(&A, &B), (&A, &C), (&B, &C)]
        .iter()
        .map(|(x, y)| wilcoxon(*x, *y).unwrap().p)
        .collect();
    assert!(close(raw[2], 0.203_613_281_25, 1e-14), "{raw:?}");
    let adjusted = holm(&raw);
    for (got, want) in adjusted
        .iter()
        .zip([0.002_929_687_5, 0.002_929_687_5, 0.203_613_281_25])
    {
        assert!(close(*got, want, 1e-14), "{adjusted:?}");
    }
}

#[test]
fn effect_sizes_match_numpy() {
    // d.mean() / d.std(ddof=1) → 1.58221877262097; pooled-std d → 0.839948001823367
    assert!(close(
        cohen_dz(&A, &B).unwrap(),
        1.582_218_772_620_97,
        1e-12
    ));
    assert!(close(
        cohen_d(&A, &B).unwrap(),
        0.839_948_001_823_367,
        1e-12
    ));
    // 2U/(n1 n2) − 1 → 0.4375; (W+ − W−)/(W+ + W−) → 0.9743589743589743
    assert!(close(rank_biserial(&A, &B), 0.4375, 1e-15));
    assert!(close(
        rank_biserial_paired(&A, &B).unwrap(),
        0.974_358_974_358_974_3,
        1e-15
    ));
}

#[test]
fn interquartile_mean_matches_scipy_trim_mean() {
    // stats.trim_mean(A, 0.25) → 0.9249999999999999; of C + [0.95] (13 runs) → 0.91628571…
    assert!(close(interquartile_mean(&A).unwrap(), 0.925, 1e-12));
    let mut c13 = C.to_vec();
    c13.push(0.95);
    assert!(close(
        interquartile_mean(&c13).unwrap(),
        0.916_285_714_285_714_4,
        1e-12
    ));
    // Its bootstrap interval holds it and stays within the runs.
    let (iqm, (low, high)) = interquartile_mean_ci(&A).unwrap();
    assert!(
        low <= iqm && iqm <= high && low >= 0.912 && high <= 0.940,
        "{low} {high}"
    );
}
