#!/usr/bin/env bash
# Distributed testing through torchrun: NPROC processes on each node, one per
# GPU (NCCL), or NPROC CPU ranks (gloo) on a machine without GPUs.
#   tools/dist_test.sh CONFIG CHECKPOINT NPROC [tools/test.py options]
# Multi-node: NNODES, NODE_RANK, MASTER_ADDR, PORT, as in MMDetection.
if [ $# -lt 3 ]; then
    echo "usage: $0 CONFIG CHECKPOINT NPROC [tools/test.py options]" >&2
    exit 2
fi
exec "$(dirname "$0")/dist_run.sh" test.py "$3" "$1" "$2" "${@:4}"
