//! Which part of a sharded sweep this process trains: `--shard I/N`, else a batch
//! scheduler's environment — Slurm job arrays or Kubernetes Indexed Jobs. The flag wins, and
//! the part used and where it came from are printed and recorded, like the master seed.

use crate::engine::shard::Shard;

pub const SLURM_TASK_ID: &str = "SLURM_ARRAY_TASK_ID";
pub const SLURM_TASK_COUNT: &str = "SLURM_ARRAY_TASK_COUNT";
pub const SLURM_TASK_MIN: &str = "SLURM_ARRAY_TASK_MIN";
pub const SLURM_TASK_STEP: &str = "SLURM_ARRAY_TASK_STEP";
pub const K8S_COMPLETION_INDEX: &str = "JOB_COMPLETION_INDEX";

/// The shard and its origin ("--shard", "SLURM_ARRAY_TASK_ID", "JOB_COMPLETION_INDEX"), or
/// None for a whole sweep. `env` reads an environment variable (a parameter so that tests
/// need not change the process environment).
pub fn resolve_shard(
    flag: Option<&str>,
    shards_flag: Option<usize>,
    env: impl Fn(&str) -> Option<String>,
) -> Result<Option<(Shard, &'static str)>, String> {
    if let Some(text) = flag {
        return Shard::parse(text)
            .map(|shard| Some((shard, "--shard")))
            .map_err(|e| format!("--shard: {e}"));
    }
    if let Some(id) = env(SLURM_TASK_ID) {
        return slurm_shard(&id, shards_flag, &env).map(|shard| Some((shard, SLURM_TASK_ID)));
    }
    if let Some(index) = env(K8S_COMPLETION_INDEX) {
        let count = shards_flag.ok_or_else(|| {
            format!(
                "{K8S_COMPLETION_INDEX}={index} is set but the number of shards is not: pass \
                 --shards N (the Job's `completions`)"
            )
        })?;
        let index = whole_number(K8S_COMPLETION_INDEX, &index)?;
        return Shard::new(index, count)
            .map(|shard| Some((shard, K8S_COMPLETION_INDEX)))
            .map_err(|e| format!("{K8S_COMPLETION_INDEX} with --shards {count}: {e}"));
    }
    match shards_flag {
        Some(count) => Err(format!(
            "--shards {count}: no part number given; pass --shard I/{count}, or run under a \
             Slurm array ({SLURM_TASK_ID}) or a Kubernetes Indexed Job ({K8S_COMPLETION_INDEX})"
        )),
        None => Ok(None),
    }
}

/// A Slurm array task: index = (ID − MIN) / STEP of COUNT tasks, so `--array=1-16` and
/// `--array=0-30:2` both number their parts 0, 1, 2, ….
fn slurm_shard(
    id: &str,
    shards_flag: Option<usize>,
    env: &impl Fn(&str) -> Option<String>,
) -> Result<Shard, String> {
    let id = whole_number(SLURM_TASK_ID, id)?;
    let count = env(SLURM_TASK_COUNT).ok_or_else(|| {
        format!(
            "{SLURM_TASK_ID}={id} is set but {SLURM_TASK_COUNT} is not; an array job sets both \
             (or pass --shard I/N)"
        )
    })?;
    let count = whole_number(SLURM_TASK_COUNT, &count)?;
    let min = match env(SLURM_TASK_MIN) {
        Some(text) => whole_number(SLURM_TASK_MIN, &text)?,
        None => 0,
    };
    let step = match env(SLURM_TASK_STEP) {
        Some(text) => whole_number(SLURM_TASK_STEP, &text)?.max(1),
        None => 1,
    };
    if id < min {
        return Err(format!(
            "{SLURM_TASK_ID}={id} is below {SLURM_TASK_MIN}={min}; allowed: {min} and above"
        ));
    }
    if let Some(flag) = shards_flag.filter(|&flag| flag != count) {
        return Err(format!(
            "--shards {flag} disagrees with {SLURM_TASK_COUNT}={count}; leave --shards out \
             under Slurm"
        ));
    }
    Shard::new((id - min) / step, count).map_err(|e| format!("{SLURM_TASK_ID}={id}: {e}"))
}

fn whole_number(name: &str, text: &str) -> Result<usize, String> {
    text.trim().parse::<usize>().map_err(|_| {
        format!(
            "{name}: `{text}` is not a whole number from 0 to {}",
            usize::MAX
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_of(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let vars: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
    }

    fn shard(index: usize, count: usize) -> Shard {
        Shard::new(index, count).unwrap()
    }

    #[test]
    fn no_flag_and_no_scheduler_is_a_whole_sweep() {
        assert_eq!(resolve_shard(None, None, env_of(&[])), Ok(None));
    }

    #[test]
    fn slurm_array_numbers_parts_from_its_minimum_and_step() {
        let plain = env_of(&[(SLURM_TASK_ID, "5"), (SLURM_TASK_COUNT, "16")]);
        assert_eq!(
            resolve_shard(None, None, plain),
            Ok(Some((shard(5, 16), SLURM_TASK_ID)))
        );
        let from_one = env_of(&[
            (SLURM_TASK_ID, "16"),
            (SLURM_TASK_COUNT, "16"),
            (SLURM_TASK_MIN, "1"),
        ]);
        assert_eq!(
            resolve_shard(None, None, from_one),
            Ok(Some((shard(15, 16), SLURM_TASK_ID)))
        );
        let stepped = env_of(&[
            (SLURM_TASK_ID, "6"),
            (SLURM_TASK_COUNT, "4"),
            (SLURM_TASK_STEP, "2"),
        ]);
        assert_eq!(
            resolve_shard(None, None, stepped),
            Ok(Some((shard(3, 4), SLURM_TASK_ID)))
        );
    }

    #[test]
    fn kubernetes_index_takes_its_count_from_shards() {
        let env = env_of(&[(K8S_COMPLETION_INDEX, "2")]);
        assert_eq!(
            resolve_shard(None, Some(3), env),
            Ok(Some((shard(2, 3), K8S_COMPLETION_INDEX)))
        );
        let missing = resolve_shard(None, None, env_of(&[(K8S_COMPLETION_INDEX, "2")]));
        assert!(missing.unwrap_err().contains("--shards N"));
        let beyond = resolve_shard(None, Some(2), env_of(&[(K8S_COMPLETION_INDEX, "2")]));
        assert!(beyond.unwrap_err().contains("0 to 1"));
    }

    #[test]
    fn the_flag_wins_over_the_environment() {
        let env = env_of(&[(SLURM_TASK_ID, "5"), (SLURM_TASK_COUNT, "16")]);
        assert_eq!(
            resolve_shard(Some("1/2"), None, env),
            Ok(Some((shard(1, 2), "--shard")))
        );
    }

    #[test]
    fn bad_scheduler_values_are_named() {
        let no_count = resolve_shard(None, None, env_of(&[(SLURM_TASK_ID, "3")])).unwrap_err();
        assert!(no_count.contains(SLURM_TASK_COUNT), "{no_count}");
        let word = resolve_shard(
            None,
            None,
            env_of(&[(SLURM_TASK_ID, "x"), (SLURM_TASK_COUNT, "4")]),
        )
        .unwrap_err();
        assert!(
            word.contains("`x`") && word.contains(SLURM_TASK_ID),
            "{word}"
        );
        let beyond = resolve_shard(
            None,
            None,
            env_of(&[(SLURM_TASK_ID, "4"), (SLURM_TASK_COUNT, "4")]),
        )
        .unwrap_err();
        assert!(beyond.contains("0 to 3"), "{beyond}");
        let lonely = resolve_shard(None, Some(4), env_of(&[])).unwrap_err();
        assert!(lonely.contains("--shard I/4"), "{lonely}");
        let disagree = resolve_shard(
            None,
            Some(8),
            env_of(&[(SLURM_TASK_ID, "1"), (SLURM_TASK_COUNT, "4")]),
        )
        .unwrap_err();
        assert!(disagree.contains("disagrees"), "{disagree}");
    }
}
