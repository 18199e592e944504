#!/usr/bin/env bash
# Train on a Slurm cluster, one task per GPU.
#   GPUS=16 tools/slurm_train.sh PARTITION JOB_NAME CONFIG WORK_DIR [tools/train.py options]
# GPUS, GPUS_PER_NODE, CPUS_PER_TASK and SRUN_ARGS as in MMDetection.
if [ $# -lt 4 ]; then
    echo "usage: $0 PARTITION JOB_NAME CONFIG WORK_DIR [tools/train.py options]" >&2
    exit 2
fi
exec "$(dirname "$0")/slurm_run.sh" train.py "$1" "$2" "$3" \
    --work-dir="$4" "${@:5}"
