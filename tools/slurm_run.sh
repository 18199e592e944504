#!/usr/bin/env bash
# Start tools/SCRIPT on a Slurm partition, one task per GPU.
#   tools/slurm_run.sh {train.py|test.py} PARTITION JOB_NAME [SCRIPT args...]
# GPUS, GPUS_PER_NODE, CPUS_PER_TASK and SRUN_ARGS as in MMDetection.
# slurm_train.sh and slurm_test.sh are the usual entry points.
set -x
SCRIPT=$1
PARTITION=$2
JOB_NAME=$3
GPUS=${GPUS:-8}
GPUS_PER_NODE=${GPUS_PER_NODE:-8}
CPUS_PER_TASK=${CPUS_PER_TASK:-5}
SRUN_ARGS=${SRUN_ARGS:-""}
PYTHON=${PYTHON:-$(command -v python || command -v python3)}

PYTHONPATH="$(dirname "$0")/..":$PYTHONPATH \
exec srun -p "$PARTITION" \
    --job-name="$JOB_NAME" \
    --gres=gpu:"$GPUS_PER_NODE" \
    --ntasks="$GPUS" \
    --ntasks-per-node="$GPUS_PER_NODE" \
    --cpus-per-task="$CPUS_PER_TASK" \
    --kill-on-bad-exit=1 \
    $SRUN_ARGS \
    "$PYTHON" -u "$(dirname "$0")/$SCRIPT" "${@:4}" --launcher=slurm
