#!/usr/bin/env bash
# Test on a Slurm cluster, one task per GPU.
#   GPUS=16 tools/slurm_test.sh PARTITION JOB_NAME CONFIG CHECKPOINT [tools/test.py options]
# GPUS, GPUS_PER_NODE, CPUS_PER_TASK and SRUN_ARGS as in MMDetection.
if [ $# -lt 4 ]; then
    echo "usage: $0 PARTITION JOB_NAME CONFIG CHECKPOINT [tools/test.py options]" >&2
    exit 2
fi
exec "$(dirname "$0")/slurm_run.sh" test.py "$1" "$2" "$3" "$4" "${@:5}"
