use super::*;
use crate::engine::metric::Metric;
use crate::engine::seeds::Condition;

/// Two accuracies far apart: the 95% interval of their mean reaches past 0 and 1, and is
/// drawn within them (issue 44 item 1: [0.45, 1.23] at n = 2).
#[test]
fn an_accuracys_interval_is_drawn_within_zero_and_one() {
    let mut config = crate::engine::presets::default_config();
    config.conditions = vec![Condition::ALL_FREE];
    config.repeats = 2;
    let runs: Vec<RunRecord> = [0.55, 0.99]
        .into_iter()
        .enumerate()
        .map(|(i, accuracy)| {
            let mut run = RunRecord::failed(Condition::ALL_FREE, i, String::new());
            run.error = None;
            run.metric = Metric::Accuracy;
            run.final_test_metric = Some(accuracy);
            run
        })
        .collect();
    let session = Session::new(config, 1, runs);
    let column = Column::of(&session, "all-free", Score::Test);
    let (_, (low, high)) = column.mean_ci.unwrap();
    assert!(low >= 0.0 && high <= 1.0, "[{low}, {high}]");
    assert_eq!(high, 1.0, "the interval reaches the top: it is cut there");
}
