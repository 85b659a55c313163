//! Test-set noise from outside (issue 43, item 4; docs/your-command.md): a script that prints
//! only a correct/total count has no per-example errors, so its counts can at most bound the
//! test-set noise — and only when the user states every run scores the same points
//! (`--fixed-test-set`) and no free split or data seed (or one seed driving them) moves them.

mod common;

use serde_json::Value;

fn sweep(name: &str, extra: &[&str]) -> Value {
    let folder = common::temp_dir(name);
    std::fs::write(
        folder.join("count.sh"),
        "echo \"test: $(( 40 + $1 % 3 ))/80 correct\"\n",
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
    serde_json::from_str(&std::fs::read_to_string(folder.join("out.json")).unwrap()).unwrap()
}

#[test]
fn counts_on_a_test_set_stated_fixed_bound_the_noise_and_a_moving_one_says_why_not() {
    let stated = sweep("counted-fixed", &["--fixed-test-set"]);
    let fixed = common::condition_summary(&stated, "all-fixed");
    assert_eq!(fixed["test_points"], 80);
    let note = fixed["noise_note"].as_str().unwrap();
    // p = 0.5125, n = 80: √(p(1−p)/n) = 0.0559.
    assert!(note.contains("at most ±0.0559"), "{note}");
    assert!(fixed["noise_std"].is_null(), "a bound is not an estimate");
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

    let unstated = sweep("counted-unstated", &[]);
    let fixed = common::condition_summary(&unstated, "all-fixed");
    assert!(fixed["test_points"].is_null());
    let note = fixed["noise_note"].as_str().unwrap();
    assert!(note.contains("no per-example errors"), "{note}");
    assert!(unstated["runs"][0].get("counted_test_points").is_none());
}
