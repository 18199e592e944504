#!/usr/bin/env bash
# Distributed training through torchrun: NPROC processes on each node, one
# per GPU (NCCL), or NPROC CPU ranks (gloo) on a machine without GPUs.
#   tools/dist_train.sh CONFIG NPROC [tools/train.py options]
# Multi-node: NNODES, NODE_RANK, MASTER_ADDR, PORT, as in MMDetection.
if [ $# -lt 2 ]; then
    echo "usage: $0 CONFIG NPROC [tools/train.py options]" >&2
    exit 2
fi
exec "$(dirname "$0")/dist_run.sh" train.py "$2" "$1" "${@:3}"
