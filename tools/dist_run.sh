#!/usr/bin/env bash
# Start tools/SCRIPT on NPROC processes per node through torchrun: one per
# GPU (NCCL), or NPROC CPU ranks (gloo) on a machine without GPUs.
#   tools/dist_run.sh {train.py|test.py} NPROC [SCRIPT args...]
# Multi-node: NNODES, NODE_RANK, MASTER_ADDR, PORT, as in MMDetection.
# dist_train.sh and dist_test.sh are the usual entry points.
set -e
SCRIPT=$1
NPROC=$2
NNODES=${NNODES:-1}
NODE_RANK=${NODE_RANK:-0}
PORT=${PORT:-29500}
MASTER_ADDR=${MASTER_ADDR:-"127.0.0.1"}
PYTHON=${PYTHON:-$(command -v python || command -v python3)}

PYTHONPATH="$(dirname "$0")/..":$PYTHONPATH \
exec "$PYTHON" -m torch.distributed.run \
    --nnodes="$NNODES" \
    --node_rank="$NODE_RANK" \
    --master_addr="$MASTER_ADDR" \
    --nproc_per_node="$NPROC" \
    --master_port="$PORT" \
    "$(dirname "$0")/$SCRIPT" \
    "${@:3}" \
    --launcher pytorch
