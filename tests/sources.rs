//! "Free" means the named source alone changed.

mod common;

use common::*;
use seedscope::engine::seeds::{Condition, Source};

const REPEATS: usize = 30;

#[test]
fn each_source_alone_spreads_the_weights_and_changes_only_itself() {
    let conditions: Vec<Condition> = Source::ALL.into_iter().map(Condition::only).collect();
    let config = default_with(&conditions, REPEATS);
    let runs = sweep(&config, SEED, 2);
    for source in Source::ALL {
        let name = Condition::only(source).to_string();
        let of_source: Vec<_> = runs
            .iter()
            .filter(|r| r.condition == name)
            .cloned()
            .collect();
        assert_eq!(of_source.len(), REPEATS);

        // The weights spread.
        let needed = if source == Source::Threads { 10 } else { 25 };
        let found = distinct(hashes(&of_source));
        assert!(
            found >= needed,
            "{name}: {found} distinct hashes, needed {needed}"
        );

        for other in Source::ALL {
            let seeds: Vec<u64> = of_source.iter().map(|r| r.seeds[other.name()]).collect();
            let prints: Vec<&str> = of_source
                .iter()
                .map(|r| r.fingerprints.get(other))
                .collect();
            if other == source {
                // The named source's seed differs in every run…
                let unique: std::collections::HashSet<_> = seeds.iter().collect();
                assert_eq!(unique.len(), REPEATS, "{name}: seeds of {other} repeat");
            } else {
                // …and no other source's seed, nor anything it drew, changed.
                assert!(
                    seeds.iter().all(|s| *s == seeds[0]),
                    "{name}: seed of {other} changed"
                );
                assert_eq!(distinct(prints), 1, "{name}: what {other} drew changed");
            }
        }
    }
}

#[test]
fn only_shuffle_keeps_initial_weights_bitwise_equal() {
    let runs = sweep(
        &default_with(&[Condition::only(Source::Shuffle)], REPEATS),
        SEED,
        2,
    );
    assert_eq!(
        distinct(runs.iter().map(|r| r.fingerprints.init.as_str())),
        1
    );
    assert_eq!(
        distinct(runs.iter().map(|r| r.fingerprints.shuffle.as_str())),
        REPEATS
    );
}

#[test]
fn only_init_keeps_the_batch_order() {
    let runs = sweep(
        &default_with(&[Condition::only(Source::Init)], REPEATS),
        SEED,
        2,
    );
    assert_eq!(
        distinct(runs.iter().map(|r| r.fingerprints.shuffle.as_str())),
        1
    );
    assert_eq!(
        distinct(runs.iter().map(|r| r.fingerprints.init.as_str())),
        REPEATS
    );
}

#[test]
fn toggling_one_source_does_not_change_what_another_draws() {
    // Run i of only-init and run i of all-free draw the same initial weights; only-init's
    // data, split, dropout and shuffle draws equal all-fixed's.
    let config = default_with(
        &[
            Condition::ALL_FIXED,
            Condition::ALL_FREE,
            Condition::only(Source::Init),
        ],
        5,
    );
    let runs = sweep(&config, SEED, 2);
    let of = |name: &str, i: usize| {
        runs.iter()
            .find(|r| r.condition == name && r.run_index == i)
            .unwrap()
    };
    for i in 0..5 {
        let (fixed, free, init) = (of("all-fixed", i), of("all-free", i), of("only-init", i));
        assert_eq!(init.fingerprints.init, free.fingerprints.init);
        for source in [
            Source::Data,
            Source::Split,
            Source::Dropout,
            Source::Shuffle,
            Source::Threads,
        ] {
            assert_eq!(
                init.fingerprints.get(source),
                fixed.fingerprints.get(source)
            );
        }
    }
}

#[test]
fn free_threads_draw_several_thread_counts_and_race() {
    let runs = sweep(
        &default_with(&[Condition::only(Source::Threads)], REPEATS),
        SEED,
        2,
    );
    let counts: std::collections::BTreeSet<usize> = runs.iter().map(|r| r.threads).collect();
    assert!(counts.len() >= 3, "thread counts drawn: {counts:?}");
    assert!(
        runs.iter()
            .all(|r| r.racing && (1..=4).contains(&r.threads))
    );
    // Runs with the same thread count of 3 or more can still differ: the summation order race.
    let racing: Vec<_> = runs.iter().filter(|r| r.threads >= 3).collect();
    assert!(racing.iter().all(|r| !r.replayable));
    assert!(runs.iter().filter(|r| r.threads <= 2).all(|r| r.replayable));
}
