#!/usr/bin/env bash
# One prepared check of the package on one GPU, sized for 10 minutes on one
# NVIDIA H200 (16 cores, torch 2.11 + CUDA 13 preinstalled, no network):
#   1. install the carried wheels into OUT_DIR/site (on PYTHONPATH, beside
#      the system torch);
#   2. build mmcv 2.1.0 with its CUDA ops for this GPU only;
#   3. generate the 27-class dataset;
#   4. tools/dist_train.sh, 1 GPU (NCCL), --amp, 50 iterations of the
#      flagship (configs/faster_rcnn_attn_r18_custom27.py);
#   5. tools/test.py on its checkpoint (COCO bbox mAP);
#   6. the backbone benchmark with --device cuda for the flagship and
#      SE/ECA/CBAM/SAM-ResNet-50 against their plain twins (time and
#      max_memory_allocated ratios; AMP and channels_last columns);
#   7. one training step of the flagship's and CBAM-ResNet-50's COCO
#      detectors against their plain twins at 512 px.
# Everything goes to OUT_DIR/gpu_check.log (one log) and a summary with the
# benchmark table to OUT_DIR/gpu_check.md (one table).
#
#   tools/misc/gpu_check.sh --prepare WHEEL_DIR     # here, with network
#   tools/misc/gpu_check.sh --wheels WHEEL_DIR [--out-dir DIR] [--iters N]
#   tools/misc/gpu_check.sh --dry-run               # print the steps only
# Each step has its own time limit, all of them together GPU_CHECK_BUDGET
# seconds (570 by default); TORCH_CUDA_ARCH_LIST (9.0) and MAX_JOBS (all
# cores) tune the mmcv build; PYTHON is the interpreter with CUDA torch.
set -o pipefail

REPO_ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
WHEELS="$REPO_ROOT/.whl"
OUT_DIR="$REPO_ROOT/work_dirs/gpu_check"
ITERS=50
DRY_RUN=0
PREPARE=""
PYTHON=${PYTHON:-python3}
CUDA_ARCH=${TORCH_CUDA_ARCH_LIST:-9.0}
JOBS=${MAX_JOBS:-$(nproc 2>/dev/null || echo 4)}
# Seconds for the whole check (the device machine stops a command at 600).
BUDGET=${GPU_CHECK_BUDGET:-570}
CONFIG=configs/faster_rcnn_attn_r18_custom27.py
BENCH_CONFIGS="configs/faster_rcnn_attn_r18.py configs/faster_rcnn_se_r50.py configs/faster_rcnn_eca_r50.py configs/faster_rcnn_cbam_r50.py configs/faster_rcnn_sam_r50.py"
STEP_CONFIGS="configs/faster_rcnn_attn_r18.py configs/faster_rcnn_cbam_r50.py"
# What the GPU machine's image lacks (torch, numpy, scipy, matplotlib,
# opencv, rich, pyyaml, tqdm, six, pillow are there): pinned wheels for
# CPython 3.12, and mmcv's source.
WHEEL_SPECS="mmengine==0.10.7 mmdet==3.3.0 pycocotools==2.0.11 addict==2.4.0 yapf==0.43.0 platformdirs==4.3.8 termcolor==3.1.0 terminaltables==3.1.10 shapely==2.1.1 setuptools==69.5.1"
MMCV_SDIST=mmcv-2.1.0.tar.gz

usage() {
    awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"
    exit "${1:-0}"
}

while [ $# -gt 0 ]; do
    case "$1" in
        --dry-run) DRY_RUN=1 ;;
        --prepare) PREPARE=${2:?--prepare needs a directory}; shift ;;
        --wheels) WHEELS=${2:?--wheels needs a directory}; shift ;;
        --out-dir) OUT_DIR=${2:?--out-dir needs a directory}; shift ;;
        --iters) ITERS=${2:?--iters needs a number}; shift ;;
        -h|--help) usage 0 ;;
        *) echo "gpu_check.sh: unknown argument '$1' (see --help)" >&2
           exit 2 ;;
    esac
    shift
done
case "$ITERS" in
    ''|*[!0-9]*|0) echo "gpu_check.sh: --iters needs a positive integer," \
                        "got '$ITERS'" >&2; exit 2 ;;
esac

if [ -n "$PREPARE" ]; then
    # Download what the GPU machine needs (run where pip reaches PyPI).
    mkdir -p "$PREPARE" || exit 1
    set -x
    "$PYTHON" -m pip download --no-deps --only-binary=:all: \
        --python-version 3.12 --implementation cp \
        --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 \
        --platform manylinux2014_x86_64 --platform any \
        -d "$PREPARE" $WHEEL_SPECS || exit 1
    # pip reads the sdist's metadata through its setup.py, which imports
    # pkg_resources (setuptools<70) and torch: use an environment that has
    # them (the project's .venv has).
    "$PYTHON" -m pip download --no-deps --no-binary=:all: \
        --no-build-isolation mmcv==2.1.0 \
        -d "$PREPARE" || exit 1
    exit 0
fi

SITE="$OUT_DIR/site"
PY=$PYTHON
WORK="$OUT_DIR/work"
LOG="$OUT_DIR/gpu_check.log"
TABLE="$OUT_DIR/gpu_check.md"
# Images of the train split for ITERS iterations of batch 4 in one epoch.
TRAIN_IMAGES=$((ITERS * 4))

STEP_NAMES=()
STEP_STATUS=()
STEP_SECONDS=()

# run NAME TIMEOUT COMMAND...: log, time and record one step, stopped at
# TIMEOUT seconds or when the whole check's BUDGET runs out; with --dry-run,
# print it only. A failed step stops the check.
run() {
    local name=$1 limit=$2
    shift 2
    if [ $((BUDGET - SECONDS)) -lt "$limit" ]; then
        limit=$((BUDGET - SECONDS))
    fi
    if [ "$DRY_RUN" = 1 ]; then
        printf '[%s] (timeout %ss)\n  %s\n' "$name" "$limit" "$*"
        return 0
    fi
    if [ "$limit" -le 0 ]; then
        echo "gpu_check.sh: the ${BUDGET} s budget ran out before step" \
             "'$name'" | tee -a "$LOG" >&2
        write_table
        exit 124
    fi
    echo "=== [$name] $*" | tee -a "$LOG"
    local start=$SECONDS
    timeout "$limit" bash -c "$*" 2>&1 | tee -a "$LOG"
    local status=${PIPESTATUS[0]}
    STEP_NAMES+=("$name")
    STEP_STATUS+=("$status")
    STEP_SECONDS+=($((SECONDS - start)))
    echo "=== [$name] exit $status after $((SECONDS - start)) s" | tee -a "$LOG"
    if [ "$status" != 0 ]; then
        write_table
        echo "gpu_check.sh: step '$name' failed (exit $status); see $LOG" >&2
        exit "$status"
    fi
}

write_table() {
    {
        echo "# GPU check"
        echo
        echo "$(date -u '+%Y-%m-%d %H:%M UTC'), commit" \
             "$(git -C "$REPO_ROOT" rev-parse --short HEAD 2>/dev/null)," \
             "$("$PYTHON" -c 'import torch; print("torch", torch.__version__, "CUDA", torch.version.cuda, "on", torch.cuda.get_device_name(0))' 2>/dev/null)"
        echo
        echo "| step | exit | seconds |"
        echo "| --- | ---: | ---: |"
        local i
        for i in "${!STEP_NAMES[@]}"; do
            echo "| ${STEP_NAMES[$i]} | ${STEP_STATUS[$i]} | ${STEP_SECONDS[$i]} |"
        done
        if [ -f "$WORK/test.log" ]; then
            echo
            echo "COCO bbox of the $ITERS-iteration checkpoint:"
            echo
            grep -E 'bbox_mAP' "$WORK/test.log" | tail -n 1
        fi
        if [ -f "$WORK/benchmark/benchmark.md" ]; then
            echo
            cat "$WORK/benchmark/benchmark.md"
        fi
        if [ -f "$WORK/train_step/train_step.md" ]; then
            echo
            cat "$WORK/train_step/train_step.md"
        fi
    } > "$TABLE"
}

if [ "$DRY_RUN" = 0 ]; then
    command -v nvidia-smi > /dev/null || {
        echo "gpu_check.sh: no nvidia-smi here: this check needs an NVIDIA" \
             "GPU (use --dry-run to see its steps)" >&2
        exit 1
    }
    "$PYTHON" -c 'import torch, sys; sys.exit(not torch.cuda.is_available())' || {
        echo "gpu_check.sh: torch under $PYTHON sees no CUDA device" >&2
        exit 1
    }
    for spec in $WHEEL_SPECS; do
        ls "$WHEELS/${spec%%==*}-${spec##*==}"-*.whl > /dev/null 2>&1 || \
        ls "$WHEELS/$(echo "${spec%%==*}" | tr - _)-${spec##*==}"-*.whl \
            > /dev/null 2>&1 || {
            echo "gpu_check.sh: no wheel for $spec in $WHEELS: run" \
                 "'tools/misc/gpu_check.sh --prepare $WHEELS' where pip" \
                 "reaches PyPI, and carry that directory" >&2
            exit 1
        }
    done
    [ -f "$WHEELS/$MMCV_SDIST" ] || {
        echo "gpu_check.sh: $WHEELS/$MMCV_SDIST is missing (see --prepare)" >&2
        exit 1
    }
    mkdir -p "$OUT_DIR" "$WORK" || exit 1
    : > "$LOG"
    nvidia-smi 2>&1 | tee -a "$LOG"
fi

if [ "$DRY_RUN" = 1 ]; then
    echo "gpu_check.sh --dry-run: the steps below, ${BUDGET} s in all at most"
fi
cd "$REPO_ROOT" || exit 1
export PYTHONPATH="$SITE:$REPO_ROOT${PYTHONPATH:+:$PYTHONPATH}"

run install 60 \
    "$PY -m pip install -q --no-index --no-deps --no-cache-dir" \
    "--target $SITE --find-links $WHEELS $WHEEL_SPECS"
run build-mmcv 330 \
    "MMCV_WITH_OPS=1 FORCE_CUDA=1 TORCH_CUDA_ARCH_LIST=$CUDA_ARCH MAX_JOBS=$JOBS" \
    "$PY -m pip install --no-index --no-deps --no-build-isolation" \
    "--no-cache-dir --target $SITE $WHEELS/$MMCV_SDIST && " \
    "$PY -c \"import torch; from mmcv.ops import nms, roi_align;" \
    "b = torch.tensor([[0., 0, 4, 4], [1, 1, 5, 5]], device='cuda');" \
    "print('mmcv CUDA nms:', nms(b, torch.tensor([.9, .8], device='cuda'), .1)[1].tolist())\""
run data 30 \
    "$PY tools/misc/generate_custom27.py --out-dir data/custom27"
run train 150 \
    "PYTHON=$PY tools/dist_train.sh $CONFIG 1 --amp --work-dir $WORK/train" \
    "--cfg-options train_cfg.max_epochs=1 train_cfg.val_interval=1" \
    "train_dataloader.dataset.indices=$TRAIN_IMAGES" \
    "default_hooks.logger.interval=10"
run test 60 \
    "$PY tools/test.py $CONFIG $WORK/train/epoch_1.pth" \
    "--work-dir $WORK/test 2>&1 | tee $WORK/test.log"
run benchmark 150 \
    "$PY tools/analysis_tools/benchmark_backbones.py $BENCH_CONFIGS" \
    "--device cuda --repeats 20 --warmup 5 --out-dir $WORK/benchmark"
run train-step 45 \
    "$PY tools/analysis_tools/benchmark_train_step.py $STEP_CONFIGS" \
    "--device cuda --repeats 5 --warmup 2 --out-dir $WORK/train_step"

if [ "$DRY_RUN" = 0 ]; then
    write_table
    echo "gpu_check.sh: done; log $LOG, table $TABLE"
fi
