//! Test-set noise from outside (issue 43, item 4; docs/your-command.md): a script that prints
//! only a correct/total count has no per-example errors, so its counts can at most bound the
//! test-set noise — and only when the user states every run scores the same points
//! (`--fixed-test-set`) and no free split or data seed (or one seed driving them) moves them.

mod common;

use serde_json::Value;

/// Counts 40 to 42 of 80 points: moved by its seed, or, when `noisy`, by the order the run
/// started in, so that the runs spread with every seed fixed and there is noise to bound.
/// The order is a ticket: the first free `ticket-N` folder, taken with `mkdir` (atomic, so
/// parallel workers never share one). Twelve runs draw tickets 0 to 11, at most four of which
/// share a remainder mod 3, so a condition's six runs always spread. (A draw from
/// /dev/urandom left all six equal one time in 243, and CI met it.)
fn sweep(name: &str, noisy: bool, extra: &[&str]) -> Value {
    let folder = common::temp_dir(name);
    let ticket = format!(
        "$(i=0; while ! mkdir '{}/ticket-'$i 2>/dev/null; do i=$((i+1)); done; echo $i)",
        folder.display()
    );
    let draw = if noisy { ticket.as_str() } else { "$1" };
    std::fs::write(
        folder.join("count.sh"),
        format!("n={draw}; echo \"test: $(( 40 + n % 3 ))/80 correct\"\n"),
    )
    .unwrap();
    let output = common::run_in(
        &folder,
        None,
        &[
            &[
                "--command",
                "sh count.sh {seed}",
                "--metric",
                r"(?P<correct>\d+)/(?P<total>\d+)",
                "--metric-name",
                "accuracy",
                "--higher-is-better",
                "--conditions",
                "all-fixed,only-seed",
                "--repeats",
                "6",
            ][..],
            extra,
        ]
        .concat(),
    );
    assert!(output.status.success(), "{}", common::said(&output));
    common::results_in(&folder)
}

#[test]
fn counts_on_a_test_set_stated_fixed_bound_the_noise_and_a_moving_one_says_why_not() {
    let noisy = sweep("counted-noisy", true, &["--fixed-test-set"]);
    let fixed = common::condition_summary(&noisy, "all-fixed");
    assert_eq!(fixed["test_points"], 80);
    let note = fixed["noise_note"].as_str().unwrap();
    // p between 0.5 and 0.525, n = 80: √(p(1−p)/n) = 0.0558 to 0.0559.
    assert!(note.contains("at most ±0.055"), "{note}");
    assert!(note.contains("of the spread"), "{note}");
    assert!(fixed["noise_std"].is_null(), "a bound is not an estimate");

    let stated = sweep("counted-fixed", false, &["--fixed-test-set"]);
    let fixed = common::condition_summary(&stated, "all-fixed");
    let note = fixed["noise_note"].as_str().unwrap();
    assert!(note.contains("the runs do not spread"), "{note}");
    let seeded = common::condition_summary(&stated, "only-seed");
    assert!(seeded["test_points"].is_null());
    let note = seeded["noise_note"].as_str().unwrap();
    assert!(
        note.contains("--fixed-test-set does not hold here"),
        "{note}"
    );
    for run in stated["runs"].as_array().unwrap() {
        let counted = run["counted_test_points"].as_u64();
        assert_eq!(counted, Some(80), "{run}");
    }

    let unstated = sweep("counted-unstated", false, &[]);
    let fixed = common::condition_summary(&unstated, "all-fixed");
    assert!(fixed["test_points"].is_null());
    let note = fixed["noise_note"].as_str().unwrap();
    assert!(note.contains("no per-example errors"), "{note}");
    assert!(unstated["runs"][0].get("counted_test_points").is_none());
}
