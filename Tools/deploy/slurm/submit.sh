#!/usr/bin/env bash
# Submits a sharded grading batch and its merge:  bash submit.sh BATCH [SHARDS]
set -euo pipefail
batch=${1:?usage: submit.sh BATCH [SHARDS]}
shards=${2:-8}
here=$(cd "$(dirname "$0")" && pwd)
array=$(sbatch --parsable --array="1-$shards" "$here/grade-array.sbatch" "$batch")
merge=$(sbatch --parsable --dependency="afterok:$array" "$here/merge.sbatch" "$batch" "$shards")
echo "grading: array job $array ($shards shards); merge: job $merge"
