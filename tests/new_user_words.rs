//! Words a new user reads (issue 44 item 6): an experiment on a CSV file written without a name
//! is named in `seedscope history` by its file, as the app names it, not by nothing.

mod common;

#[test]
fn history_names_an_unnamed_csv_experiment_by_its_file() {
    let folder = common::temp_dir("words-history");
    let mut rows = String::from("x1,x2,kind\n");
    for i in 0..40 {
        let (x, kind) = (f64::from(i) / 10.0, if i % 2 == 0 { "a" } else { "b" });
        rows.push_str(&format!("{x},{},{kind}\n", 4.0 - x));
    }
    std::fs::write(folder.join("points.csv"), rows).unwrap();
    let mut experiment: serde_json::Value =
        serde_json::from_str(seedscope::engine::presets::find("iris").unwrap().json).unwrap();
    experiment["name"] = serde_json::json!("");
    experiment["data"] = serde_json::json!(
        {"kind": "csv", "path": "points.csv", "target": "kind", "test_fraction": 0.3}
    );
    experiment["training"]["epochs"] = serde_json::json!(1);
    experiment["repeats"] = serde_json::json!(2);
    experiment["conditions"] = serde_json::json!(["all-fixed"]);
    std::fs::write(folder.join("experiment.json"), experiment.to_string()).unwrap();
    let store = folder.join("runs.sqlite");
    let output = common::run_in(&folder, Some(&store), &["--config", "experiment.json"]);
    assert!(output.status.success(), "{}", common::said(&output));
    let history = common::binary()
        .current_dir(&folder)
        .env_remove("SEEDSCOPE_NO_STORE")
        .args(["history", "--store"])
        .arg(&store)
        .output()
        .unwrap();
    let said = common::said(&history);
    assert!(history.status.success(), "{said}");
    let row = said
        .lines()
        .find(|l| l.contains("csv n="))
        .unwrap_or_else(|| panic!("the experiment's row: {said}"));
    assert!(row.contains("points.csv"), "named by its file: {row}");
}
