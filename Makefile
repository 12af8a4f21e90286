# Takeoff: setup, build, test, run, bench.
SWIFT ?= swift
DEMO_DIR ?= demo-data

.PHONY: setup plot-tools cluster-env contracts build test example docs run bench bench-quick clean

# Installs the C libraries Takeoff links (LMDB, zstd) and the example chain's SQLite when they are missing;
# quiet when present.
setup:
	@missing=""; \
	for pkg in liblmdb-dev libzstd-dev libsqlite3-dev; do \
		dpkg -s $$pkg >/dev/null 2>&1 || missing="$$missing $$pkg"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "Installing$$missing"; \
		SUDO=""; [ "$$(id -u)" -ne 0 ] && SUDO=sudo; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

# Installs matplotlib, which draws the bench sweep's plots (Scripts/plot-sweep.py), when Python lacks it.
PYTHON ?= python3
plot-tools:
	@$(PYTHON) -c "import matplotlib" 2>/dev/null || { echo "Installing matplotlib"; $(PYTHON) -m pip install --quiet matplotlib; }

# The cluster package's virtual environment (.venv-cluster): Ray, takeoff-cluster and the tests' extras.
cluster-env:
	@Scripts/cluster-env.sh

# Rebuilds the example contracts' WebAssembly (Contracts/*.wasm and Sources/TakeoffWorkloads/ContractModules.swift)
# from their text in Contracts/*.wat with wabt's wat2wasm (installed with apt when missing).
contracts:
	@Scripts/build-contracts.sh

build: setup
	$(SWIFT) build -c release

# The whole suite, the commitment's tests again under each kernel the processor can run, the NEON kernels under
# arm64 emulation (elsewhere than arm64), the hostile-input script (short form; `Scripts/hostile-input.sh --long` for
# more), the cluster package against a local Ray cluster, then the example chain built against the public API and run
# end to end (parallel against sequential, store, archive, both replays). First, the checked-in contract modules
# must be what their sources build to.
test: setup plot-tools cluster-env
	Scripts/build-contracts.sh --check
	$(SWIFT) test
	Scripts/commitment-kernels.sh --binary .build/debug/takeoff
	Scripts/arm64-kernels.sh
	Scripts/hostile-input.sh --binary .build/debug/takeoff
	Scripts/cluster-tests.sh --binary .build/debug/takeoff
	$(MAKE) example

# The worked example chain in Examples/TallyChain: build it and run its demo node in a scratch directory.
example: setup
	cd Examples/TallyChain && $(SWIFT) build
	@scratch=$$(mktemp -d) && trap 'rm -rf "$$scratch"' EXIT && Examples/TallyChain/.build/debug/tally-demo "$$scratch/demo"

# A demo a new user understands at a glance: 20 blocks of 2,000 signed transfers over 10,000 accounts,
# executed and committed to a fresh store in $(DEMO_DIR)/.
run: build
	@rm -rf $(DEMO_DIR)/db
	$(SWIFT) run -c release takeoff run --db $(DEMO_DIR)/db --workload uniform --accounts 10000 --blocks 20 --block-size 2000

# The benchmark sweep (see BENCHMARKS.md): threads 1-8 × contention × work per transaction, and the mainnet trace,
# parallel against sequential on the same blocks; CSV, JSON, a Markdown table and plots in $(BENCH_DIR)/<time>/.
# Small enough for a few minutes; `takeoff bench --sweep --help` for the full-size options.
BENCH_DIR ?= bench-results
bench: build plot-tools
	$(SWIFT) run -c release takeoff bench --sweep --output $(BENCH_DIR)/$$(date +%Y%m%d-%H%M%S) --blocks 2 --block-size 5000 --repeats 3

# The four fixed scenarios at the machine's thread count, as a table.
bench-quick: build
	$(SWIFT) run -c release takeoff bench

# DocC for every library module; fails on any documentation warning.
DOC_TARGETS = TakeoffCore TakeoffNode TakeoffStore TakeoffArchive TakeoffIO TakeoffBuiltinChain TakeoffWasm TakeoffWorkloads TakeoffBench
docs: setup
	@for target in $(DOC_TARGETS); do \
		$(SWIFT) package --disable-sandbox generate-documentation --target $$target > .build/docs-$$target.log 2>&1 \
			|| { cat .build/docs-$$target.log; exit 1; }; \
		if grep -q "warning:" .build/docs-$$target.log; then grep -A2 "warning:" .build/docs-$$target.log; exit 1; fi; \
		echo "$$target: documentation built, no warnings"; \
	done

clean:
	rm -rf .build Examples/TallyChain/.build $(DEMO_DIR) .venv-cluster
