#!/bin/bash
# Submits the sweep's parts as a Slurm job array and the merge as a job that starts when
# every part has succeeded. Settings pass through the environment, e.g.
#   SEEDSCOPE=$PWD/target/release/seedscope SEED=7 REPEATS=100 ./submit.sh --array=0-31
# (extra arguments go to the array's sbatch).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
jid=$(sbatch --parsable --export=ALL "$@" "$here/seedscope-array.sbatch")
echo "parts: job array $jid"
sbatch --parsable --export=ALL --dependency=afterok:"$jid" "$here/seedscope-merge.sbatch" \
  | sed 's/^/merge: job /'
