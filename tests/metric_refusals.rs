//! A metric read wrong is worse than none (issue 43, "Bad input"; docs/your-command.md): a
//! setting that cannot work is refused before any run, naming its flag and field; a value
//! that is not a number, a NaN, a count above its total or an accuracy of 86.1 fails the run
//! and says which.

mod common;

#[test]
fn a_number_read_wrong_fails_the_run_and_says_which() {
    let folder = common::temp_dir("capture-bad-values");
    std::fs::write(folder.join("nan.sh"), "echo 'loss nan'\n").unwrap();
    std::fs::write(folder.join("over.sh"), "echo 'score 81/80'\n").unwrap();
    std::fs::write(folder.join("pct.sh"), "echo 'acc 86.1'\n").unwrap();
    for (script, pattern, name, expected) in [
        (
            "nan.sh",
            r"loss (?P<value>\S+)",
            "loss",
            "not a finite number",
        ),
        (
            "over.sh",
            r"score (?P<correct>\d+)/(?P<total>\d+)",
            "accuracy",
            "above the total 80",
        ),
        (
            "pct.sh",
            r"acc (?P<value>\S+)",
            "accuracy",
            "--metric-scale 0.01 reads a percentage",
        ),
    ] {
        let tried = common::run_in(
            &folder,
            None,
            &[
                "--command",
                &format!("sh {script}"),
                "--metric",
                pattern,
                "--metric-name",
                name,
                "--higher-is-better",
                "--try",
            ],
        );
        let said = common::said(&tried);
        assert_eq!(tried.status.code(), Some(1), "{script}: {said}");
        assert!(said.contains(expected), "{script}: {said}");
    }
}

#[test]
fn bad_metric_settings_are_refused_before_any_run_naming_their_flag() {
    let folder = common::temp_dir("capture-refused");
    std::fs::write(folder.join("MARK.sh"), "touch RAN\n").unwrap();
    let base = ["--command", "sh MARK.sh"];
    for (flags, expected) in [
        (
            vec!["--metric", r"acc (?P<value>\d+)", "--metric-name", "acc"],
            "--higher-is-better or --lower-is-better",
        ),
        (
            vec!["--metric", r"acc (?P<value>\d+)", "--higher-is-better"],
            "--metric-name: is needed",
        ),
        (
            vec![
                "--metric",
                "acc (",
                "--metric-name",
                "a",
                "--higher-is-better",
            ],
            "--metric (command.metric.pattern): the pattern does not compile",
        ),
        (
            vec![
                "--metric",
                r"acc (\d+)",
                "--metric-name",
                "a",
                "--higher-is-better",
            ],
            "names no group",
        ),
        (
            vec![
                "--metric-file",
                "../m.json",
                "--metric-key",
                "a",
                "--metric-name",
                "a",
                "--lower-is-better",
            ],
            "--metric-file (command.metric.file): ../m.json is outside the run's folders",
        ),
        (
            vec![
                "--metric-file",
                "m.json",
                "--metric-name",
                "a",
                "--lower-is-better",
            ],
            "--metric-key (command.metric.key): is needed",
        ),
        (
            vec!["--metric-name", "a"],
            "--metric-name: reads a metric from the command's output",
        ),
        (
            vec![
                "--metric",
                r"(?P<value>\d)",
                "--metric-name",
                "a",
                "--higher-is-better",
                "--metric-scale=-1",
            ],
            "--metric-scale (command.metric.scale)",
        ),
    ] {
        let output = common::run_in(&folder, None, &[&base[..], &flags[..]].concat());
        let said = common::said(&output);
        assert_eq!(output.status.code(), Some(2), "{flags:?}: {said}");
        assert!(said.contains(expected), "{flags:?}: {said}");
        assert!(!folder.join("RAN").exists(), "{flags:?}: nothing ran");
    }
}
