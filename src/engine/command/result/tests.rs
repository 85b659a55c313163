//! The result reader's tests (split out of result.rs, which passed 400 lines).
use super::*;
use crate::engine::command::result_dir::ResultDir;

fn parse(text: &str) -> Result<Reported, ResultError> {
    let dir = ResultDir::new().unwrap();
    std::fs::write(dir.path().join(RESULT_FILE), text).unwrap();
    read(dir.path())
}

#[test]
fn an_accuracy_or_mse_out_of_range_is_refused_whatever_direction_is_stated() {
    let error = parse(r#"{"metric":"accuracy","value":86.1,"higher_is_better":true}"#)
        .unwrap_err()
        .to_string();
    assert!(error.contains("report the share: 0.861"), "{error}");
    for text in [
        r#"{"metric":"accuracy","value":1.5,"higher_is_better":false}"#,
        r#"{"metric":"mse","value":-1,"higher_is_better":true}"#,
    ] {
        assert!(parse(text).is_err(), "{text}");
    }
}

/// The schema in the repository names exactly the fields the reader takes, and requires
/// the ones it requires: a result with every property reads, one without a required
/// property does not.
#[test]
fn the_json_schema_is_the_reader() {
    let schema: serde_json::Value = serde_json::from_str(include_str!(
        "../../../../assets/command/result.schema.json"
    ))
    .unwrap();
    let properties = schema["properties"].as_object().unwrap();
    let sample = |name: &str| -> serde_json::Value {
        match name {
            "metric" => "accuracy".into(),
            "value" | "fresh_value" => 0.5.into(),
            "higher_is_better" => true.into(),
            "test_ids" => serde_json::json!([3, 5]),
            "test_errors" | "predictions" => serde_json::json!([0.0, 1.0]),
            "curve" | "train_loss" => serde_json::json!([0.4, null]),
            "weights_hash" => "ab12".into(),
            other => panic!("the schema has `{other}`, which the test does not know"),
        }
    };
    let full: serde_json::Map<String, serde_json::Value> =
        properties.keys().map(|k| (k.clone(), sample(k))).collect();
    let reported = parse(&serde_json::Value::Object(full.clone()).to_string()).unwrap();
    assert_eq!(reported.test_ids, Some(vec![3, 5]));
    let mut unknown = full.clone();
    unknown.insert("accuracy".into(), 0.5.into());
    assert!(parse(&serde_json::Value::Object(unknown).to_string()).is_err());
    for required in schema["required"].as_array().unwrap() {
        let mut without = full.clone();
        without.remove(required.as_str().unwrap());
        let error = parse(&serde_json::Value::Object(without).to_string()).unwrap_err();
        assert!(
            error.to_string().contains(required.as_str().unwrap()),
            "{error}"
        );
    }
}

#[test]
fn a_named_metric_keeps_its_direction_and_takes_any_finite_value() {
    let r = parse(r#"{"metric": "log_loss", "value": 3.5, "higher_is_better": false}"#).unwrap();
    assert_eq!(
        r.metric(),
        Metric::Named {
            name: "log_loss".into(),
            higher_is_better: false
        }
    );
    assert!(parse(r#"{"metric": "mse", "value": -1, "higher_is_better": false}"#).is_err());
    assert!(parse(r#"{"metric": "", "value": 1, "higher_is_better": false}"#).is_err());
    assert!(
        parse(r#"{"metric": "accuracy", "value": 0.5, "higher_is_better": true, "test_ids": [1, 1], "test_errors": [0, 1]}"#)
            .unwrap_err()
            .to_string()
            .contains("test_ids: 1 is listed twice")
    );
    assert!(
        parse(r#"{"metric": "accuracy", "value": 0.5, "higher_is_better": true, "test_ids": [1, 2], "test_errors": [0, 0.5]}"#)
            .unwrap_err()
            .to_string()
            .contains("test_errors[1]: 0.5 is not an error; allowed: 0 (right) or 1 (wrong)")
    );
}

/// Without a weights hash, runs are told apart by what they reported, and such a hash is
/// never taken for a weights hash.
#[test]
fn an_outcome_hash_differs_with_the_outcome_and_is_marked() {
    let a = parse(r#"{"metric": "accuracy", "value": 0.5, "higher_is_better": true}"#).unwrap();
    let b = parse(r#"{"metric": "accuracy", "value": 0.75, "higher_is_better": true}"#).unwrap();
    let (ha, hb) = (outcome_hash(&a), outcome_hash(&b));
    assert_ne!(ha, hb);
    assert_eq!(ha, outcome_hash(&a));
    assert!(ha.starts_with(OUTCOME_HASH_PREFIX));
}
