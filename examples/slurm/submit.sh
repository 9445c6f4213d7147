#!/bin/bash
# Submit a sharded run and its merge-and-gate job:
#
#   examples/slurm/submit.sh 4 [--baseline B.json] -- benchmarks -p llmexec --llm-model=oracle
#
# prints the two job ids. Run it from the directory the reports should go to.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
count="$1"
shift
baseline=()
if [ "${1:-}" = "--baseline" ]; then
    baseline=("$2")
    shift 2
fi
[ "${1:-}" = "--" ] && shift
# Slurm opens shard-<i>.log before the script runs: the folder must exist; an earlier run's
# reports there would be merged with this run's (and refused as another run's)
if compgen -G "shards/shard-*.json" >/dev/null; then
    echo "shards/ holds an earlier run's reports: move it away first" >&2
    exit 2
fi
mkdir -p shards
array=$(sbatch --parsable --array=0-$((count - 1)) "$here/shards.sbatch" "$@")
merge=$(sbatch --parsable --dependency="afterok:${array}" --kill-on-invalid-dep=yes \
    "$here/merge-and-gate.sbatch" ${baseline[@]+"${baseline[@]}"})
echo "array=$array merge=$merge"
