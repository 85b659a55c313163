//! Which part of a sharded sweep this process trains: `--shard I/N`, else a batch
//! scheduler's environment — Slurm and Grid Engine arrays (which know their own size), or
//! Kubernetes Indexed Jobs, AWS Batch and PBS arrays (which give an index only; the count
//! comes from `--shards N`). HTCondor has no such variable: its submit file passes
//! `--shard $(Process)/N` (assets/cluster/seedscope.sub). The flag wins, and the part used
//! and where it came from are printed and recorded, like the master seed.

use crate::engine::shard::Shard;

pub const SLURM_TASK_ID: &str = "SLURM_ARRAY_TASK_ID";
pub const SLURM_TASK_COUNT: &str = "SLURM_ARRAY_TASK_COUNT";
pub const SLURM_TASK_MIN: &str = "SLURM_ARRAY_TASK_MIN";
pub const SLURM_TASK_STEP: &str = "SLURM_ARRAY_TASK_STEP";
pub const K8S_COMPLETION_INDEX: &str = "JOB_COMPLETION_INDEX";
pub const SGE_TASK_ID: &str = "SGE_TASK_ID";
pub const SGE_TASK_FIRST: &str = "SGE_TASK_FIRST";
pub const SGE_TASK_LAST: &str = "SGE_TASK_LAST";
pub const SGE_TASK_STEPSIZE: &str = "SGE_TASK_STEPSIZE";
pub const AWS_BATCH_INDEX: &str = "AWS_BATCH_JOB_ARRAY_INDEX";
pub const PBS_PRO_INDEX: &str = "PBS_ARRAY_INDEX";
pub const TORQUE_INDEX: &str = "PBS_ARRAYID";

/// Schedulers whose array tasks see a 0-based index and nothing of the array's size, with
/// the name of the setting that fixes the size (for the message when --shards is missing).
const INDEX_ONLY: [(&str, &str); 4] = [
    (K8S_COMPLETION_INDEX, "the Job's `completions`"),
    (AWS_BATCH_INDEX, "the array job's `arrayProperties.size`"),
    (PBS_PRO_INDEX, "the size of `qsub -J 0-(N-1)`"),
    (TORQUE_INDEX, "the size of `qsub -t 0-(N-1)`"),
];

/// The shard and its origin ("--shard", "SLURM_ARRAY_TASK_ID", "JOB_COMPLETION_INDEX"), or
/// None for a whole sweep. `env` reads an environment variable (a parameter so that tests
/// need not change the process environment).
pub fn resolve_shard(
    flag: Option<&str>,
    shards_flag: Option<usize>,
    env: impl Fn(&str) -> Option<String>,
) -> Result<Option<(Shard, &'static str)>, String> {
    if let Some(count) = shards_flag
        && !(1..=crate::engine::shard::MAX_SHARDS).contains(&count)
    {
        return Err(format!(
            "--shards: {count} is out of range; allowed: 1 to {}",
            crate::engine::shard::MAX_SHARDS
        ));
    }
    if let Some(text) = flag {
        return Shard::parse(text)
            .map(|shard| Some((shard, "--shard")))
            .map_err(|e| format!("--shard: {e}"));
    }
    if let Some(id) = env(SLURM_TASK_ID) {
        return slurm_shard(&id, shards_flag, &env).map(|shard| Some((shard, SLURM_TASK_ID)));
    }
    // Grid Engine sets SGE_TASK_ID=undefined in a job that is not an array.
    if let Some(id) = env(SGE_TASK_ID).filter(|id| id.trim() != "undefined") {
        return sge_shard(&id, shards_flag, &env).map(|shard| Some((shard, SGE_TASK_ID)));
    }
    for (variable, size_setting) in INDEX_ONLY {
        if let Some(index) = env(variable) {
            return index_only_shard(variable, size_setting, &index, shards_flag)
                .map(|shard| Some((shard, variable)));
        }
    }
    match shards_flag {
        Some(count) => Err(format!(
            "--shards {count}: no part number given; pass --shard I/{count}, or run under a \
             Slurm or Grid Engine array ({SLURM_TASK_ID}, {SGE_TASK_ID}), a Kubernetes \
             Indexed Job ({K8S_COMPLETION_INDEX}), an AWS Batch array ({AWS_BATCH_INDEX}) or a \
             PBS array ({PBS_PRO_INDEX}, {TORQUE_INDEX})"
        )),
        None => Ok(None),
    }
}

/// A 0-based index from a scheduler that does not tell the array's size: `--shards` must.
fn index_only_shard(
    variable: &str,
    size_setting: &str,
    index: &str,
    shards_flag: Option<usize>,
) -> Result<Shard, String> {
    let count = shards_flag.ok_or_else(|| {
        format!(
            "{variable}={index} is set but the number of shards is not: pass --shards N \
             ({size_setting})"
        )
    })?;
    let index = whole_number(variable, index)?;
    Shard::new(index, count).map_err(|e| format!("{variable} with --shards {count}: {e}"))
}

/// A Grid Engine array task (`qsub -t FIRST-LAST:STEP`, 1-based by convention): index =
/// (ID − FIRST) / STEP of (LAST − FIRST) / STEP + 1 tasks, like Slurm's MIN and STEP.
fn sge_shard(
    id: &str,
    shards_flag: Option<usize>,
    env: &impl Fn(&str) -> Option<String>,
) -> Result<Shard, String> {
    let id = whole_number(SGE_TASK_ID, id)?;
    let number = |name: &str| -> Result<usize, String> {
        let text = env(name).ok_or_else(|| {
            format!(
                "{SGE_TASK_ID}={id} is set but {name} is not; an array job sets {SGE_TASK_FIRST}, \
                 {SGE_TASK_LAST} and {SGE_TASK_STEPSIZE} (or pass --shard I/N)"
            )
        })?;
        whole_number(name, &text)
    };
    let (first, last) = (number(SGE_TASK_FIRST)?, number(SGE_TASK_LAST)?);
    let step = match env(SGE_TASK_STEPSIZE) {
        Some(text) => step_number(SGE_TASK_STEPSIZE, &text)?,
        None => 1,
    };
    if last < first || id < first || id > last {
        return Err(format!(
            "{SGE_TASK_ID}={id} is outside {SGE_TASK_FIRST}={first}..{SGE_TASK_LAST}={last}; \
             allowed: {first} to {last}"
        ));
    }
    check_on_grid(
        SGE_TASK_ID,
        id,
        (SGE_TASK_FIRST, first),
        (SGE_TASK_STEPSIZE, step),
    )?;
    let count = (last - first) / step + 1;
    if let Some(flag) = shards_flag.filter(|&flag| flag != count) {
        return Err(format!(
            "--shards {flag} disagrees with the Grid Engine array's {count} tasks \
             ({SGE_TASK_FIRST}={first}, {SGE_TASK_LAST}={last}, {SGE_TASK_STEPSIZE}={step}); \
             leave --shards out under Grid Engine"
        ));
    }
    Shard::new((id - first) / step, count).map_err(|e| format!("{SGE_TASK_ID}={id}: {e}"))
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
        Some(text) => step_number(SLURM_TASK_STEP, &text)?,
        None => 1,
    };
    if id < min {
        return Err(format!(
            "{SLURM_TASK_ID}={id} is below {SLURM_TASK_MIN}={min}; allowed: {min} and above"
        ));
    }
    check_on_grid(
        SLURM_TASK_ID,
        id,
        (SLURM_TASK_MIN, min),
        (SLURM_TASK_STEP, step),
    )?;
    if let Some(flag) = shards_flag.filter(|&flag| flag != count) {
        return Err(format!(
            "--shards {flag} disagrees with {SLURM_TASK_COUNT}={count}; leave --shards out \
             under Slurm"
        ));
    }
    Shard::new((id - min) / step, count).map_err(|e| format!("{SLURM_TASK_ID}={id}: {e}"))
}

/// An array's step: a whole number of 1 or more (a step of 0 is no array a scheduler makes).
fn step_number(name: &str, text: &str) -> Result<usize, String> {
    match whole_number(name, text)? {
        0 => Err(format!("{name}=0: a step must be 1 or more")),
        step => Ok(step),
    }
}

/// A task id must be the first id plus a whole number of steps: an id between two tasks is
/// no task of this array (it once became the part of the task below it, trained twice).
fn check_on_grid(
    id_name: &str,
    id: usize,
    (first_name, first): (&str, usize),
    (step_name, step): (&str, usize),
) -> Result<(), String> {
    if id >= first && (id - first).is_multiple_of(step) {
        return Ok(());
    }
    let below = first + (id.saturating_sub(first)) / step * step;
    Err(format!(
        "{id_name}={id} is not a task of the array {first_name}={first}, {step_name}={step}; \
         its tasks are {first}, {}, {}, … (the nearest below is {below})",
        first + step,
        first + 2 * step
    ))
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
    fn grid_engine_numbers_parts_from_first_and_step() {
        let env = env_of(&[
            (SGE_TASK_ID, "7"),
            (SGE_TASK_FIRST, "1"),
            (SGE_TASK_LAST, "15"),
            (SGE_TASK_STEPSIZE, "2"),
        ]);
        // Tasks 1, 3, …, 15: eight of them, and 7 is the fourth (index 3).
        assert_eq!(
            resolve_shard(None, None, env),
            Ok(Some((shard(3, 8), SGE_TASK_ID)))
        );
        let plain = env_of(&[
            (SGE_TASK_ID, "16"),
            (SGE_TASK_FIRST, "1"),
            (SGE_TASK_LAST, "16"),
        ]);
        assert_eq!(
            resolve_shard(None, None, plain),
            Ok(Some((shard(15, 16), SGE_TASK_ID)))
        );
        // Not an array job: Grid Engine says so in the variable itself.
        let single = env_of(&[(SGE_TASK_ID, "undefined")]);
        assert_eq!(resolve_shard(None, None, single), Ok(None));
        let no_last = resolve_shard(
            None,
            None,
            env_of(&[(SGE_TASK_ID, "2"), (SGE_TASK_FIRST, "1")]),
        )
        .unwrap_err();
        assert!(no_last.contains(SGE_TASK_LAST), "{no_last}");
        let outside = resolve_shard(
            None,
            None,
            env_of(&[
                (SGE_TASK_ID, "9"),
                (SGE_TASK_FIRST, "1"),
                (SGE_TASK_LAST, "8"),
            ]),
        )
        .unwrap_err();
        assert!(outside.contains("allowed: 1 to 8"), "{outside}");
    }

    #[test]
    fn index_only_schedulers_take_their_count_from_shards() {
        for variable in [AWS_BATCH_INDEX, PBS_PRO_INDEX, TORQUE_INDEX] {
            assert_eq!(
                resolve_shard(None, Some(4), env_of(&[(variable, "3")])),
                Ok(Some((shard(3, 4), variable)))
            );
            let missing = resolve_shard(None, None, env_of(&[(variable, "3")])).unwrap_err();
            assert!(
                missing.contains("--shards N") && missing.contains(variable),
                "{missing}"
            );
            let beyond = resolve_shard(None, Some(3), env_of(&[(variable, "3")])).unwrap_err();
            assert!(beyond.contains("0 to 2"), "{beyond}");
        }
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
