# mmdet-attn: set-up, demo and tests. Every target creates or reuses .venv/.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
TORCH_SPEC ?= torch==2.13.0
MIM_SPEC ?= openmim==0.3.9
STAMP := $(VENV)/.installed

.PHONY: install data crops trees demo lint test benchmark study pretrained-study vis clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip

# The stamp is rebuilt when the requirements or setup.py change.
$(STAMP): $(PY) requirements.txt requirements-test.txt requirements-deploy.txt \
		requirements-mim.txt research/requirements.txt setup.py
	@$(PY) -c "import torch" 2>/dev/null \
		&& echo "torch already present: keeping $$($(PY) -c 'import torch; print(torch.__version__)')" \
		|| $(PIP) install $(TORCH_SPEC)
	# Build tools for mmcv; mim needs pkg_resources (setuptools<70) too.
	$(PIP) install "setuptools<70" wheel ninja numpy psutil
	# openmim without its opendatalab dependency (see requirements-mim.txt),
	# first: `mim install` looks for OpenMMLab's prebuilt mmcv.
	$(PIP) install -r requirements-mim.txt
	$(PIP) install --no-deps $(MIM_SPEC)
	# mmcv 2.1.0 with ops: OpenMMLab's prebuilt wheel for this torch and CUDA
	# if there is one (`mim install` adds download.openmmlab.com's find-links
	# for them), else built from source: PyPI has no wheel of it. The build
	# needs pkg_resources and torch at build time, hence
	# --no-build-isolation. pip caches the wheel.
	@$(PY) -c "import mmcv.ops" 2>/dev/null && echo "mmcv with ops already present" \
		|| { echo "Looking for a prebuilt mmcv 2.1.0 for torch $$($(PY) -c 'import torch; print(torch.__version__)') (mim install)"; \
		     $(VENV)/bin/mim install --only-binary mmcv --retries 1 --timeout 15 mmcv==2.1.0; } \
		|| { echo "No prebuilt mmcv 2.1.0 for this torch: building it with ops (about 10 min on 2 cores the first time; pip caches the wheel)"; \
		     MMCV_WITH_OPS=1 $(PIP) install --no-build-isolation mmcv==2.1.0; }
	@$(PY) -c "import mmcv.ops" || { echo "mmcv 2.1.0 with ops is not importable: see README, Troubleshooting"; exit 1; }
	$(PIP) install -r requirements.txt -r requirements-test.txt -r requirements-deploy.txt \
		-r research/requirements.txt
	# timm, whose resnet.py the tests of the timm converter build as the
	# reference, without its torchvision dependency (no build of it matches a
	# CPU torch here): the tests load timm's files without its __init__.
	$(PIP) install --no-deps timm==1.0.30
	$(PIP) install --no-build-isolation --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

# The main job: generate the synthetic 27-class dataset if missing, train
# the flagship (the ECA + Attention-Gate ResNet-18 Faster R-CNN) on CPU,
# evaluate the last checkpoint with tools/test.py (COCO report with
# per-class AP), then draw its attention maps and Grad-CAM for a few val
# images. Seeded, so that a run gives the README's figure (up to the
# machine's float rounding). The plain baseline:
#   make demo DEMO_CONFIG=configs/faster_rcnn_r18_custom27.py
DEMO_CONFIG ?= configs/faster_rcnn_attn_r18_custom27.py
DEMO_WORK_DIR ?= work_dirs/$(basename $(notdir $(DEMO_CONFIG)))
DEMO_SEED ?= 0
DEMO_IMAGES ?= $(addprefix data/custom27/val/,000000.png 000001.png 000002.png)
data: install
	$(PY) tools/misc/generate_custom27.py --out-dir data/custom27

# The synthetic set's objects as an ImageNet-layout classification set, to
# pretrain a backbone on CPU (docs/pretraining.md).
crops: data
	$(PY) tools/dataset_converters/coco_crops.py data/custom27 data/custom27_crops

demo: data
	$(PY) tools/train.py $(DEMO_CONFIG) --work-dir $(DEMO_WORK_DIR) \
		--cfg-options randomness.seed=$(DEMO_SEED)
	$(PY) tools/test.py $(DEMO_CONFIG) "$$(cat $(DEMO_WORK_DIR)/last_checkpoint)" \
		--work-dir $(DEMO_WORK_DIR)
	$(PY) tools/vis_attention.py $(DEMO_CONFIG) \
		"$$(cat $(DEMO_WORK_DIR)/last_checkpoint)" $(DEMO_IMAGES) \
		--out-dir $(DEMO_WORK_DIR)/vis_attention
	@echo "Log and COCO report: $(DEMO_WORK_DIR)/<timestamp>/<timestamp>.log;" \
		"attention maps and Grad-CAM: $(DEMO_WORK_DIR)/vis_attention/"

# The test suite; then research/ (the studies beside the product): its
# tests and its scripts' docstring examples; then every docstring example of
# the package as a doctest (separate runs, so that tests/ is collected
# exactly as by pytest tests; run from the repository root, where the
# examples find configs/).
DOCTEST_PATHS ?= mmdet_attn
# The linters MMDetection uses (settings in setup.cfg), then the tests,
# then the docstrings' examples.
LINT_PATHS := mmdet_attn tools tests configs research setup.py
lint: install
	$(PY) -m flake8 $(LINT_PATHS)
	$(PY) -m isort --check-only --diff $(LINT_PATHS)
	$(PY) -m yapf --diff --recursive $(LINT_PATHS)

test: lint
	$(PY) -m pytest tests
	$(PY) -m pytest --doctest-modules research
	$(PY) -m pytest --doctest-modules $(DOCTEST_PATHS)

# The model zoo's measurements (README, "Model zoo").
# Cost: every backbone config against the plain ResNet of matching depth.
# Then one training step of each Faster R-CNN COCO detector against its
# plain twin (the whole detector at 512 px, what a step costs a user).
benchmark: install
	$(PY) tools/analysis_tools/benchmark_backbones.py --size 320 320 \
		--repeats 7 --warmup 1 --out-dir work_dirs/benchmark_backbones
	$(PY) tools/analysis_tools/benchmark_train_step.py --repeats 3 --warmup 1 \
		--out-dir work_dirs/benchmark_train_step

# Accuracy: every _custom27 config x 3 seeds (about 4 hours on 2 cores;
# stopped, it resumes where it stopped).
STUDY_DIR ?= work_dirs/custom27_study
study: data
	$(PY) research/custom27_study.py --work-dir $(STUDY_DIR)

# DeepForest's tree crowns (real airborne images, 1 class) as a tiled COCO
# set; fetches the deepforest wheel once with pip download (not installed).
trees: install
	$(PY) tools/dataset_converters/deepforest_trees.py data/trees

# Does attention help a pretrained trunk? Pretrain on the crops, fine-tune
# on custom27 and the tree crowns with 3 seeds (the ResNet-50 family and
# ResNet-18, the second arm's twin, 5 on custom27), paired 95 % intervals;
# the second arm (attention pretrained with its trunk, *_pretrained) on
# custom27 only, 5 seeds
# (research/results/pretrained_study.md, docs/pretrained_study.md; resumes
# where it stopped, skips what the ledger holds).
PRETRAINED_STUDY_DIR ?= work_dirs/pretrained_study
PRETRAINED_STUDY = $(PY) research/pretrained_study.py \
	--work-dir $(PRETRAINED_STUDY_DIR) \
	--ledger research/results/pretrained_study_runs.json
pretrained-study: crops trees
	$(PRETRAINED_STUDY) --seeds 0 1 2
	$(PRETRAINED_STUDY) --variants r18 r50 se_r50 eca_r50 cbam_r50 sam_r50 \
		attn_r18_pretrained se_r50_pretrained eca_r50_pretrained \
		cbam_r50_pretrained --datasets custom27 --seeds 3 4
	$(PRETRAINED_STUDY) --report-only --seeds 0 1 2 3 4 \
		--out research/results/pretrained_study_results.md

# Attention maps and Grad-CAM of each study model (seed 0) on one val image.
VIS_IMAGE ?= data/custom27/val/000000.png
vis: data
	@for config in configs/faster_rcnn_*_custom27.py; do \
		name=$$(basename $$config .py); \
		last=$(STUDY_DIR)/$$name/seed0/last_checkpoint; \
		test -f $$last || { echo "$$last is missing: run make study first"; exit 1; }; \
		ckpt=$$(cat $$last); \
		$(PY) tools/vis_attention.py $$config $$ckpt $(VIS_IMAGE) \
			--out-dir work_dirs/vis_attention/$$name || exit 1; \
	done

clean:
	rm -rf work_dirs
