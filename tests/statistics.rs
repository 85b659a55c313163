//! The statistics against independently known values.
//!
//! Reference values were computed with SciPy 1.17.1 / NumPy (pip install scipy) on the sample
//! below; the commands are in each test's comment.

use seedscope::analysis::agreement::{churn, class_one_fraction, pair_disagreement};
use seedscope::analysis::compare::{Question, compare, probability_a_beats_b, welch};
use seedscope::analysis::sample::{mean_ci95, quantile, std_dev};
use seedscope::engine::record::RunRecord;

const A: [f64; 8] = [0.9, 0.92, 0.88, 0.95, 0.91, 0.93, 0.89, 0.94];
const B: [f64; 10] = [0.86, 0.9, 0.87, 0.85, 0.91, 0.88, 0.84, 0.89, 0.9, 0.86];

fn close(actual: f64, expected: f64, tolerance: f64) -> bool {
    (actual - expected).abs() <= tolerance
}

#[test]
fn welch_matches_scipy() {
    // r = scipy.stats.ttest_ind(A, B, equal_var=False)
    //   → t = 3.4074458210, p = 0.0039312880, df = 14.8964961351
    // r.confidence_interval(0.95) → [0.0145896732, 0.0634103268]
    let (t, df, p, low, high) = welch(&A, &B).unwrap();
    assert!(close(t, 3.407_445_821_0, 1e-8), "t = {t}");
    assert!(close(df, 14.896_496_135_1, 1e-8), "df = {df}");
    assert!(close(p, 0.003_931_288_0, 1e-8), "p = {p}");
    assert!(close(low, 0.014_589_673_2, 1e-8), "low = {low}");
    assert!(close(high, 0.063_410_326_8, 1e-8), "high = {high}");
}

#[test]
fn probability_of_superiority_matches_mann_whitney() {
    // scipy.stats.mannwhitneyu(A, B).statistic / (8 * 10) = 69.5 / 80 = 0.86875 (ties count ½)
    assert_eq!(probability_a_beats_b(&A, &B), 0.86875);
    assert!(close(probability_a_beats_b(&B, &A), 1.0 - 0.86875, 1e-15));
}

#[test]
fn spread_and_interval_match_numpy() {
    // numpy.std(A, ddof=1) = 0.0244948974; numpy.quantile linear IQR = 0.035
    assert!(close(std_dev(&A).unwrap(), 0.024_494_897_4, 1e-9));
    let iqr = quantile(&A, 0.75).unwrap() - quantile(&A, 0.25).unwrap();
    assert!(close(iqr, 0.035, 1e-12));
    // scipy.stats.t.interval(0.95, 7, loc=mean(A), scale=sem(A))
    //   = (0.8945217532771589, 0.9354782467228412)
    let (low, high) = mean_ci95(&A).unwrap();
    assert!(close(low, 0.894_521_753_277_158_9, 1e-10), "{low}");
    assert!(close(high, 0.935_478_246_722_841_2, 1e-10), "{high}");
}

/// Deterministic samples of N(mu, 1): Box–Muller over a fixed stream.
fn normal_sample(mu: f64, n: usize, seed: u64) -> Vec<f64> {
    let mut rng = seedscope::engine::seeds::SourceRng::new(seed);
    (0..n).map(|_| mu + rng.normal_f64()).collect()
}

#[test]
fn p_a_gt_b_recovers_known_answers() {
    // Identical distributions: 1/2. Far apart: 1 (or 0).
    let x = normal_sample(0.0, 400, 1);
    assert_eq!(probability_a_beats_b(&x, &x), 0.5);
    let far = normal_sample(100.0, 50, 2);
    assert_eq!(probability_a_beats_b(&far, &x), 1.0);
    // N(1,1) vs N(0,1): P(A > B) = Φ(1/√2) = 0.76025.
    let a = normal_sample(1.0, 2000, 3);
    let b = normal_sample(0.0, 2000, 4);
    let p = probability_a_beats_b(&a, &b);
    assert!(close(p, 0.760_25, 0.02), "P = {p}");
}

#[test]
fn verdicts_follow_bouthillier_rule() {
    let a = normal_sample(1.0, 30, 5);
    let b = normal_sample(0.0, 30, 6);
    let c = compare("A", &a, "B", &b, true, Question::Better).unwrap();
    assert!(c.p_ci_low > 0.5 && c.p_ci_high >= 0.75, "{c:?}");
    assert!(
        c.verdict.starts_with("A beats B in") && c.verdict.ends_with("likely better"),
        "{}",
        c.verdict
    );
    assert!(c.p_ci_low <= c.p_a_gt_b && c.p_a_gt_b <= c.p_ci_high);

    let same = normal_sample(0.0, 30, 7);
    let noise = compare(
        "A",
        &same,
        "B",
        &normal_sample(0.0, 30, 8),
        true,
        Question::Better,
    )
    .unwrap();
    assert!(
        noise.verdict.starts_with("within run-to-run noise"),
        "{}",
        noise.verdict
    );

    // For MSE lower is better: A with the lower error is the better one.
    let mse = compare("A", &b, "B", &a, false, Question::Better).unwrap();
    assert!(mse.verdict.starts_with("A beats B"), "{}", mse.verdict);
}

/// Two randomness conditions of one setting are not competitors: the verdict reads which
/// spreads more and never names a winner.
#[test]
fn two_sources_are_read_as_spreads_not_as_a_winner() {
    let wide: Vec<f64> = normal_sample(0.0, 60, 11).iter().map(|v| v * 3.0).collect();
    let narrow = normal_sample(0.0, 60, 12);
    let c = compare(
        "only-init",
        &wide,
        "only-shuffle",
        &narrow,
        true,
        Question::Spread,
    )
    .unwrap();
    assert!(c.std_ratio_ci_low > 1.0, "{c:?}");
    assert!(
        c.verdict
            .starts_with("only-init moves the result more than only-shuffle"),
        "{}",
        c.verdict
    );
    assert!(c.verdict.contains("means agree"), "{}", c.verdict);
    for winner in ["beats", "better"] {
        assert!(!c.verdict.contains(winner), "{}", c.verdict);
    }
    // The other way round names the wider one first; alike spreads say so.
    let c = compare("a", &narrow, "b", &wide, true, Question::Spread).unwrap();
    assert!(
        c.verdict.starts_with("b moves the result more than a"),
        "{}",
        c.verdict
    );
    let alike = compare(
        "a",
        &narrow,
        "b",
        &normal_sample(0.0, 60, 13),
        true,
        Question::Spread,
    )
    .unwrap();
    assert!(
        alike.verdict.starts_with("a and b move the result alike"),
        "{}",
        alike.verdict
    );
    // Apart means are the fixed sources' draw, not a better setting.
    let shifted: Vec<f64> = narrow.iter().map(|v| v + 5.0).collect();
    let apart = compare("a", &shifted, "b", &narrow, true, Question::Spread).unwrap();
    assert!(apart.verdict.contains("means differ"), "{}", apart.verdict);
    assert!(
        apart.verdict.contains("not a difference in quality"),
        "{}",
        apart.verdict
    );
}

fn run(indices: &[usize], predictions: &[f32]) -> RunRecord {
    let mut record = RunRecord::failed("only-init".parse().unwrap(), 0, String::new());
    record.error = None;
    record.metric = seedscope::engine::metric::Metric::Accuracy;
    record.test_indices = indices.to_vec();
    record.test_predictions = predictions.to_vec();
    record
}

#[test]
fn churn_on_hand_built_predictions() {
    let a = run(&[0, 1, 2, 3], &[1.0, 0.0, 1.0, 1.0]);
    let b = run(&[0, 1, 2, 3], &[1.0, 1.0, 1.0, 0.0]); // differs from a on 2 of 4
    let c = run(&[3, 2, 9, 8], &[1.0, 0.0, 1.0, 1.0]); // shares rows 2 and 3 with a: differs on row 2
    assert_eq!(pair_disagreement(&a, &b), Some(0.5));
    assert_eq!(pair_disagreement(&a, &c), Some(0.5));
    assert_eq!(pair_disagreement(&b, &c), Some(1.0)); // rows 2 (1 vs 0) and 3 (0 vs 1)
    let disjoint = run(&[7], &[1.0]);
    assert_eq!(pair_disagreement(&a, &disjoint), None);
    // Equal accuracy, different predictions: churn sees what accuracy hides. Every (pair,
    // shared point): a–b 2 of 4 differ, a–c 1 of 2, b–c 2 of 2 → 5 of 8.
    assert_eq!(churn(&[&a, &b, &c]), Some(5.0 / 8.0));
    assert_eq!(churn(&[&a, &a]), Some(0.0));
    // Runs sharing one test set: the mean of the pairs' disagreements, and the same bits
    // whatever order the runs come in.
    let d = run(&[0, 1, 2, 3], &[0.0, 0.0, 0.0, 0.0]); // differs from a on 3, from b on 3
    let mean_of_pairs = (0.5 + 0.75 + 0.75) / 3.0;
    assert_eq!(churn(&[&a, &b, &d]), Some(mean_of_pairs));
    assert_eq!(churn(&[&d, &a, &b]), churn(&[&a, &b, &d]));
}

/// Runs matched only by position (a command that reports no `test_ids`) with the split free
/// test different points at each position: the summary gives them no churn, while the same
/// runs with the split fixed have one.
#[test]
fn positional_runs_with_a_free_split_have_no_churn() {
    use seedscope::analysis::summary::summarize_condition;
    let of = |condition: &str, index: usize, predictions: &[f32]| {
        let mut record = run(&[], predictions);
        record.condition = condition.parse().unwrap();
        record.run_index = index;
        record.final_test_metric = Some(0.5);
        record
    };
    for (condition, has_churn) in [("only-split", false), ("only-init", true)] {
        let runs = vec![
            of(condition, 0, &[1.0, 0.0, 1.0]),
            of(condition, 1, &[1.0, 1.0, 1.0]),
        ];
        let summary = summarize_condition(&condition.parse().unwrap(), &runs);
        assert_eq!(
            summary.churn.is_some(),
            has_churn,
            "{condition}: {summary:?}"
        );
    }
}

#[test]
fn disagreement_map_on_a_tiny_grid() {
    // Three runs over a 2×2 grid: cell 0 all say 1, cell 1 all say 0, cells 2 and 3 split.
    let fractions = class_one_fraction(&["1010", "1001", "1011"]).unwrap();
    assert_eq!(fractions, vec![1.0, 0.0, 2.0 / 3.0, 2.0 / 3.0]);
    assert!(class_one_fraction(&["10", "101"]).is_none());
}

/// On runs that share one test set, churn from vote counts equals the mean over every pair
/// of runs of their disagreement, computed pair by pair.
#[test]
fn churn_from_votes_is_the_mean_pairwise_disagreement() {
    let mut rng = seedscope::engine::seeds::SourceRng::new(11);
    for case in 0..200 {
        let runs_count = 2 + rng.below(30);
        let points = 1 + rng.below(40);
        let classes = 2 + rng.below(3);
        let indices: Vec<usize> = (0..points).map(|p| p * 3 + 1).collect();
        let runs: Vec<RunRecord> = (0..runs_count)
            .map(|_| {
                let predictions: Vec<f32> =
                    (0..points).map(|_| rng.below(classes) as f32).collect();
                run(&indices, &predictions)
            })
            .collect();
        let refs: Vec<&RunRecord> = runs.iter().collect();
        let (mut total, mut pairs) = (0.0, 0);
        for i in 0..refs.len() {
            for j in i + 1..refs.len() {
                total += pair_disagreement(refs[i], refs[j]).unwrap();
                pairs += 1;
            }
        }
        let pairwise = total / pairs as f64;
        let votes = churn(&refs).unwrap();
        assert!(
            (votes - pairwise).abs() < 1e-12,
            "case {case}: {votes} vs {pairwise}"
        );
    }
}
