//! The session's tests: summaries that catch up, resumed sweeps' status.
use super::*;
use crate::analysis::summary::summarize_conditions;
use crate::engine::seeds::{Condition, Source};

fn record(condition: &str, run_index: usize) -> RunRecord {
    let mut record = RunRecord::failed(condition.parse().unwrap(), run_index, String::new());
    record.error = None;
    record.metric = Metric::Accuracy;
    // A spread of accuracies, and predictions that differ now and then.
    record.final_test_metric = Some(0.8 + (run_index * 7919 % 97) as f64 / 1000.0);
    record.test_indices = (0..10).collect();
    record.test_predictions = (0..10)
        .map(|p| f32::from(u8::from((p + run_index).is_multiple_of(3))))
        .collect();
    record.test_errors = record.test_predictions.clone();
    record.weights_hash = format!("{run_index:016x}");
    record
}

/// A resumed sweep says how many runs it trained in the time it gives, and how many came
/// from the store (issue 37 item 4: "Finished 3500 runs in 6.5 s" when 973 were trained).
#[test]
fn a_resumed_sweep_says_what_it_trained_and_what_it_found() {
    let mut config = crate::engine::presets::default_config();
    config.conditions = vec![Condition::ALL_FIXED];
    config.repeats = 5;
    let stored: Vec<RunRecord> = (0..3).map(|i| record("all-fixed", i)).collect();
    let mut session = Session::new(config, 1, stored);
    session.absorb(vec![
        SweepEvent::RunFinished(Box::new(record("all-fixed", 3))),
        SweepEvent::RunFinished(Box::new(record("all-fixed", 4))),
        SweepEvent::Finished {
            cancelled: false,
            elapsed: Duration::from_millis(2500),
        },
    ]);
    assert_eq!(
        session.ending_message(),
        "Finished 5 runs: 2 trained in 2.5 s, 3 from the run store."
    );
}

/// A sweep whose runs failed says how many, and that none is counted; when all failed, that
/// there is nothing to analyse.
#[test]
fn a_sweep_with_failed_runs_says_so_when_it_ends() {
    let mut config = crate::engine::presets::default_config();
    config.conditions = vec![Condition::ALL_FIXED];
    config.repeats = 3;
    let failed = |i| {
        let mut run = record("all-fixed", i);
        run.error = Some("the command exited with status 1".into());
        run
    };
    let ended = |runs: Vec<RunRecord>| {
        let mut session = Session::new(config.clone(), 1, Vec::new());
        let mut events: Vec<SweepEvent> = runs
            .into_iter()
            .map(|run| SweepEvent::RunFinished(Box::new(run)))
            .collect();
        events.push(SweepEvent::Finished {
            cancelled: false,
            elapsed: Duration::from_millis(1500),
        });
        session.absorb(events);
        session
    };
    let some = ended(vec![
        record("all-fixed", 0),
        failed(1),
        record("all-fixed", 2),
    ]);
    assert_eq!(
        some.ending_message(),
        "Finished 3 runs in 1.5 s. 1 run failed and is not counted: Runs shows why (hover a run's status)."
    );
    assert!(!some.every_run_failed());
    let all = ended(vec![failed(0), failed(1), failed(2)]);
    assert_eq!(
        all.ending_message(),
        "Finished 3 runs in 1.5 s. Every run failed: nothing to analyse. Runs shows why (hover a run's status)."
    );
    assert!(all.every_run_failed());
    assert_eq!(
        ended(vec![record("all-fixed", 0)]).ending_message(),
        "Finished 1 run in 1.5 s."
    );
}

/// A large condition's summary may wait while runs arrive, but once the sweep has ended
/// and the app has caught up, every summary equals the batch computation from all runs,
/// bit for bit.
#[test]
fn summaries_that_waited_catch_up_to_the_batch_computation() {
    let mut config = crate::engine::presets::default_config();
    config.conditions = vec![Condition::ALL_FIXED, Condition::only(Source::Init)];
    config.repeats = LARGE_CONDITION + 100;
    let mut session = Session::new(config.clone(), 1, Vec::new());
    let mut index = 0;
    for batch in [LARGE_CONDITION + 10, 30, 60] {
        let events: Vec<SweepEvent> = (index..index + batch)
            .flat_map(|i| {
                ["all-fixed", "only-init"].map(|c| SweepEvent::RunFinished(Box::new(record(c, i))))
            })
            .collect();
        index += batch;
        session.absorb(events);
    }
    // Summarised within the same interval: at least one large condition is behind.
    assert!(!session.is_current(), "a large condition waits its turn");
    session.absorb(vec![SweepEvent::Finished {
        cancelled: false,
        elapsed: Duration::from_secs(1),
    }]);
    while session.catch_up() {
        std::thread::sleep(Duration::from_millis(1));
    }
    assert!(session.is_current());
    let batch = summarize_conditions(&config.conditions, &session.runs);
    assert_eq!(session.summaries, batch);
    assert_eq!(session.summaries[1].n, LARGE_CONDITION + 100);
}

/// Opening many stored runs: a large condition shows its quick summary at once (the same
/// mean, spread and quantiles as the batch computation, no bootstrap or noise yet), and
/// the full summary from the summary thread, equal to the batch computation bit for bit.
#[test]
fn stored_large_conditions_open_with_a_quick_summary_then_the_full_one() {
    let mut config = crate::engine::presets::default_config();
    config.conditions = vec![Condition::ALL_FIXED, Condition::only(Source::Init)];
    config.repeats = LARGE_CONDITION + 40;
    let stored: Vec<RunRecord> = (0..config.repeats)
        .rev()
        .flat_map(|i| [record("all-fixed", i), record("only-init", i)])
        .collect();
    let mut session = Session::new(config.clone(), 3, stored);
    let batch = summarize_conditions(&config.conditions, &session.runs);
    for (quick, full) in session.summaries.iter().zip(&batch) {
        assert_eq!(
            (quick.n, quick.mean, quick.std),
            (full.n, full.mean, full.std)
        );
        assert_eq!((quick.median, quick.iqr), (full.median, full.iqr));
    }
    while session.catch_up() {
        std::thread::sleep(Duration::from_millis(1));
    }
    assert_eq!(session.summaries, batch);
    assert!(session.summaries[1].std_ci95_low.is_some());
    assert!(session.summaries[1].noise_std.is_some());
}

/// While a sweep runs, a frame summarises small conditions only until its budget is spent
/// (at least one, in turn), so eight conditions of a few hundred runs no longer cost every
/// frame eight bootstraps; at the sweep's end all are summarised, equal to the batch.
#[test]
fn small_summaries_take_turns_within_a_frame_budget_while_a_sweep_runs() {
    let mut config = crate::engine::presets::default_config();
    let names = ["all-fixed", "only-init", "only-shuffle", "only-dropout"];
    config.conditions = names.iter().map(|n| n.parse().unwrap()).collect();
    config.repeats = 300;
    let mut session = Session::new(config.clone(), 1, Vec::new());
    let before = session.summaries.clone();
    // A zero budget: one condition a call.
    let events: Vec<SweepEvent> = (0..300)
        .flat_map(|i| names.map(|c| SweepEvent::RunFinished(Box::new(record(c, i)))))
        .collect();
    for event in events {
        match event {
            SweepEvent::RunFinished(run) => {
                let slot = session.condition_slot[&run.condition];
                session.by_condition[slot].push(session.runs.len());
                session.stale.insert(run.condition);
                session.runs.push(*run);
            }
            _ => unreachable!(),
        }
    }
    let changed = |session: &Session| {
        session
            .summaries
            .iter()
            .zip(&before)
            .filter(|(now, then)| now != then)
            .count()
    };
    session.refresh_summaries(0, Some(Duration::ZERO));
    assert_eq!(changed(&session), 1, "one condition within a spent budget");
    session.refresh_summaries(0, Some(Duration::ZERO));
    assert_eq!(changed(&session), 2, "the next one takes its turn");
    session.refresh_summaries(0, None);
    assert!(session.is_current());
    assert_eq!(
        session.summaries,
        summarize_conditions(&config.conditions, &session.runs)
    );
}

/// A command's runs take seconds: the ETA is there from the first runs, from their durations
/// and the workers (issue 44 item 7: it came only at 9 of 24 runs).
#[test]
fn slow_runs_have_an_eta_from_the_first_ones() {
    let mut config = crate::engine::presets::default_config();
    config.conditions = vec![Condition::ALL_FIXED, Condition::ALL_FREE];
    config.repeats = 12;
    let mut session = Session::new(config, 1, Vec::new());
    session.workers = 2;
    let slow = |i| {
        let mut run = record("all-fixed", i);
        run.wall_ms = 6000.0;
        run
    };
    session.absorb(vec![
        SweepEvent::RunFinished(Box::new(slow(0))),
        SweepEvent::RunFinished(Box::new(slow(1))),
    ]);
    let eta = session.eta().expect("an ETA after the first two runs");
    assert!(
        (60.0..=66.0).contains(&eta),
        "22 runs left, 6 s each, 2 at a time: {eta}"
    );
}
