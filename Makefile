# cogsync: the commands a person and CI use. `make run` serves, `make test` runs every test.
# Both install what is missing first (Debian packages, npm packages for the client tests).

BUILD_DIR ?= build
ASAN_DIR ?= build-asan
TSAN_DIR ?= build-tsan
FUZZ_DIR ?= build-fuzz
FUZZ_SECONDS ?= 300
JOBS ?= $(shell nproc)
LISTEN ?= 127.0.0.1:8080
DATA_DIR ?= ./data

DEB_PACKAGES := cmake g++ make pkg-config libboost1.81-dev libboost-json1.81-dev \
  libboost-url1.81-dev libssl-dev libsqlite3-dev libcli11-dev libspdlog-dev libfmt-dev \
  libgtest-dev libgmock-dev nodejs python3 sqlite3 \
  libpq-dev zlib1g-dev postgresql clang libclang-rt-14-dev chromium clang-format clang-tidy

.PHONY: all deps build build-asan build-tsan build-fuzz run test test-unit test-tsan clean \
  npm-deps fuzz check check-format check-layers check-locks check-tidy

all: build

deps:
	@scripts/install-deps.sh $(DEB_PACKAGES)

$(BUILD_DIR)/CMakeCache.txt:
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=RelWithDebInfo

$(ASAN_DIR)/CMakeCache.txt:
	cmake -S . -B $(ASAN_DIR) -DCMAKE_BUILD_TYPE=Debug -DCOGSYNC_SANITIZE=ON

build: deps $(BUILD_DIR)/CMakeCache.txt
	cmake --build $(BUILD_DIR) -j $(JOBS)

build-asan: deps $(ASAN_DIR)/CMakeCache.txt
	cmake --build $(ASAN_DIR) -j $(JOBS)

# clang with -Wthread-safety (an error here: GUARDED_BY state touched without its lock does not
# compile; every clang build has it, the fuzz build of make test included) and ThreadSanitizer.
# Its compile_commands.json is also what clang-tidy reads.
$(TSAN_DIR)/CMakeCache.txt:
	cmake -S . -B $(TSAN_DIR) -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DCOGSYNC_TSAN=ON

build-tsan: deps $(TSAN_DIR)/CMakeCache.txt
	cmake --build $(TSAN_DIR) -j $(JOBS)

$(FUZZ_DIR)/CMakeCache.txt:
	cmake -S . -B $(FUZZ_DIR) -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DCOGSYNC_FUZZ=ON -DCOGSYNC_BUILD_TESTS=OFF

build-fuzz: deps $(FUZZ_DIR)/CMakeCache.txt
	cmake --build $(FUZZ_DIR) -j $(JOBS) --target sigv4_fuzz router_fuzz input_fuzz tokens_fuzz query_fuzz

npm-deps:
	@scripts/install-npm-deps.sh tests/compat/js

run: build
	$(BUILD_DIR)/cogsync serve --listen $(LISTEN) --data-dir $(DATA_DIR)

# The static checks, first: the format, the layering of includes, every lock naming what it
# guards, and clang-tidy over src/ (which configures build-tsan for its compile commands; a
# rerun checks only the files that changed since they last passed).
check: check-format check-layers check-locks check-tidy

check-format: deps
	scripts/check-format.sh

check-layers:
	python3 scripts/check-layers.py

check-locks:
	python3 scripts/check-locks.py

check-tidy: deps $(TSAN_DIR)/CMakeCache.txt
	JOBS=$(JOBS) scripts/check-tidy.py $(TSAN_DIR)

# Every test through CTest, after the static checks: the normal build runs everything; the
# ASan+UBSan build runs the unit and in-process tests plus the label `asan` subset of the client
# suites; the ThreadSanitizer build (clang, -Wthread-safety) runs the unit tests plus the label
# `tsan` subset; the fuzz build runs each libFuzzer target for 10 seconds (label `fuzz`). Each
# part prints its wall and CPU seconds (scripts/timed.sh), and all of them again at the end;
# docs/testing.md gives them for a fresh clone.
TIMES_LOG := $(BUILD_DIR)/make-test-times.txt
TIMED = TIMED_LOG=$(abspath $(TIMES_LOG)) scripts/timed.sh
SUBMAKE = $(MAKE) --no-print-directory

test:
	@mkdir -p $(BUILD_DIR) && rm -f $(TIMES_LOG)
	@$(TIMED) "static checks (make check)" $(SUBMAKE) check
	@$(TIMED) "normal build" $(SUBMAKE) build
	@$(TIMED) "ASan+UBSan build" $(SUBMAKE) build-asan
	@$(TIMED) "TSan build" $(SUBMAKE) build-tsan
	@$(TIMED) "fuzz build" $(SUBMAKE) build-fuzz
	@$(TIMED) "npm packages" $(SUBMAKE) npm-deps
	@$(TIMED) "tests, normal build" sh -c 'cd $(BUILD_DIR) && ctest --output-on-failure -j 2'
	@$(TIMED) "tests, ASan build" sh -c 'cd $(ASAN_DIR) && ctest --output-on-failure -j 2 -L "unit|asan"'
	@$(TIMED) "tests, TSan build" sh -c 'cd $(TSAN_DIR) && ctest --output-on-failure -j 2 -L "unit|tsan"'
	@$(TIMED) "fuzz, 10 s a target" sh -c 'cd $(FUZZ_DIR) && ctest --output-on-failure -L fuzz --timeout 600'
	@echo "make test: every part passed" && cat $(TIMES_LOG)

# ThreadSanitizer alone: the unit tests and the label `tsan` subset of the client suites (the
# busiest on many threads). A race ends the process that has it, failing its test.
test-tsan: build-tsan npm-deps
	cd $(TSAN_DIR) && ctest --output-on-failure -j 2 -L 'unit|tsan'

# The unit tests of the normal build only (label `unit`).
test-unit: build
	cd $(BUILD_DIR) && ctest --output-on-failure -j 2 -L unit

# The fuzz targets for longer: FUZZ_SECONDS each (default 300). The seconds go to this run only
# (an environment variable, not the CMake cache), so a later `make test` fuzzes 10 s again.
fuzz: build-fuzz
	cd $(FUZZ_DIR) && COGSYNC_FUZZ_SECONDS=$(FUZZ_SECONDS) \
	  ctest --output-on-failure -L fuzz --timeout $$(( $(FUZZ_SECONDS) + 300 ))

clean:
	rm -rf $(BUILD_DIR) $(ASAN_DIR) $(TSAN_DIR) $(FUZZ_DIR)

# Benchmarks (docs/performance.md): tools only the comparison needs, kept out of `make deps`.
BENCH_PACKAGES := wrk nginx valgrind linux-perf
.PHONY: bench bench-deps bench-scale bench-stages

bench-deps:
	@scripts/install-deps.sh $(BENCH_PACKAGES)

# nginx vs cogsync vs moto side by side with wrk, plus the load generator's sync-cycle run.
bench: build bench-deps
	BUILD_DIR=$(BUILD_DIR) bench/compare.sh

# The scale run (bench/scale.sh): 1,000,000 identities and 10,000,000 records, 10-40 minutes;
# `IDENTITIES=2000 RECORDS=20000 DURATION=2 ROUNDS=1 make bench-scale` is a smoke run.
bench-scale: build
	BUILD_DIR=$(BUILD_DIR) bench/scale.sh

# The cost of each stage of a request (bench/stages.sh): callgrind instructions, perf microseconds.
bench-stages: build bench-deps
	BUILD_DIR=$(BUILD_DIR) bench/stages.sh
