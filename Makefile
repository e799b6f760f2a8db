# The README's two commands: `make run` (set up and start the app) and
# `make test` (set up and run the tests). The virtual environment is rebuilt
# only when pyproject.toml changes (the stamp file carries its hash).
VENV ?= .venv
PYTHON ?= python3
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell sha256sum pyproject.toml | cut -c1-16)

.PHONY: run test bench model synth-test batch-cluster-test

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test,scale]'
	rm -f $(VENV)/.installed-*
	touch $@

# `make run` serves on this computer only (127.0.0.1), without a password.
# `FORMCHECK_PUBLIC=1 make run` opens it to the network (0.0.0.0); the library then asks
# for the password, set first on the server with `formcheck set-password`.
run: $(STAMP)
	$(VENV)/bin/streamlit run app.py --browser.gatherUsageStats false \
		--server.address $(if $(filter 1 true yes,$(FORMCHECK_PUBLIC)),0.0.0.0,127.0.0.1)

# Lint first (ruff, pinned in the test extra, rules in pyproject.toml), then the suite.
test: $(STAMP)
	$(VENV)/bin/ruff check .
	$(PY) -m pytest -q

bench: $(STAMP)
	$(PY) bench/throughput.py $(CLIP)

# `formcheck batch --ray` on a two-node Ray cluster on this machine (a head and a worker node on loopback,
# each a process of its own), its reports checked against the serial CLI's (tests/test_batch_cluster.py).
# Ray's token authentication with a token made for the run: only its own processes can join.
batch-cluster-test: $(STAMP)
	FORMCHECK_CLUSTER_TEST=1 RAY_AUTH_MODE=token RAY_AUTH_TOKEN=$$($(PY) -c 'import secrets; print(secrets.token_hex(32))') \
		$(PY) -m pytest -q -p no:cacheprovider tests/test_batch_cluster.py

# The live page's camera-to-overlay latency measured in headless Chromium (tests/browser/test_live_latency.py),
# then the benchmark that prints it against the pose model's own time (bench/live_latency.py).
.PHONY: live-latency-test
live-latency-test: $(STAMP)
	FORMCHECK_LATENCY_TEST=1 $(PY) -m pytest -q -p no:cacheprovider tests/browser/test_live_latency.py
	$(PY) bench/live_latency.py

model: $(STAMP)
	$(PY) tools/build_pose_model.py --out analyzer/pose/models/pose_landmarker_full.task

# The synthetic-athlete renderer (tools/synth) in its own environment: torch's
# CPU build first, alone (a plain `torch` would pull a multi-GB CUDA build).
SYNTH_VENV ?= .venv-synth
synth-test:
	command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ] && (dpkg -s libosmesa6 >/dev/null 2>&1 || apt-get install -y -qq libosmesa6) || true
	[ -x $(SYNTH_VENV)/bin/python ] || $(PYTHON) -m venv $(SYNTH_VENV)
	$(SYNTH_VENV)/bin/pip install --quiet torch==2.13.0
	$(SYNTH_VENV)/bin/pip install --quiet -e '.[synth,test]'
	$(SYNTH_VENV)/bin/python -m pytest -q tests/test_synth.py

# The library's crash test at full length: a writer adding sessions SIGKILLed at 60 random points,
# the library checked whole after each (tests/test_library_crash.py; FORMCHECK_STRESS_SEED replays a run).
.PHONY: stress
stress: $(STAMP)
	FORMCHECK_STRESS_KILLS=$${FORMCHECK_STRESS_KILLS:-60} $(PY) -m pytest -q tests/test_library_crash.py -k killed

# Several people at once through one server: FORMCHECK_STRESS_SESSIONS (default 4) Chromium sessions upload
# 1080p rendered clips together (tests/browser/test_many_users.py); prints the server's peak RSS and how
# long each session waited (also in artifacts/many_users_<n>.json).
.PHONY: stress-app
stress-app: $(STAMP)
	FORMCHECK_STRESS_SESSIONS=$${FORMCHECK_STRESS_SESSIONS:-4} $(PY) -m pytest -q -s tests/browser/test_many_users.py -k sessions_at_once

# Coverage-guided fuzzing (atheris, installed here if missing) of the container probe and the
# pose-track CSV reader, FUZZ_SECONDS each (tests/fuzz/). Any exception other than the module's own
# VideoError / TrackFormatError is a crash: libFuzzer saves the input under $TMPDIR/formcheck-fuzz/<target>/
# (FORMCHECK_FUZZ_DIR to choose) and the run fails; each one found becomes a case in tests/helpers/bad_inputs.py.
FUZZ_SECONDS ?= 60
.PHONY: fuzz
fuzz: $(STAMP)
	$(PY) -c "import atheris" 2>/dev/null || $(PY) -m pip install --quiet atheris
	PYTHONPATH=. $(PY) tests/fuzz/fuzz_probe.py -max_total_time=$(FUZZ_SECONDS)
	PYTHONPATH=. $(PY) tests/fuzz/fuzz_track_csv.py -max_total_time=$(FUZZ_SECONDS)

# The spine estimator (analyzer/pose/spine.py): render 2800 clips into SPINE_DATA (outside the repo), run the
# pose model over them, fit the net, write analyzer/pose/models/spine_net.npz and print its sha256 (pin it in
# analyzer/pose/model.py) and the held-out error tables. About 4 hours on one core (or render and extract side by side, tools/spine/README.md); resumes where it stopped.
SPINE_DATA ?= /tmp/formcheck-spine
.PHONY: spine-model
spine-model:
	[ -x $(SYNTH_VENV)/bin/python ] || $(MAKE) synth-test
	nice -n 10 $(SYNTH_VENV)/bin/python -m tools.spine.train --data $(SPINE_DATA) --fixture tests/data/spine_heldout.npz
