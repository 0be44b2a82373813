# SPDX-License-Identifier: MIT
# The README's commands. meson + ninja do the work; this file installs what is missing first.

BUILD      ?= build
CHECK      ?= build-check
TSAN       ?= build-tsan
VALGRIND   ?= build-valgrind
FUZZ       ?= build-fuzz
FUZZ_SECONDS ?= 60
BENCH      ?= build-bench
BENCH_ARGS ?=
MESON_OPTS ?=

# Debian packages the build and the tests need, and a command that tells each one is there.
DEPS = meson:meson ninja:ninja-build pkg-config:pkg-config cc:gcc c++:g++ \
       python3:python3 scdoc:scdoc setpriv:util-linux \
       cppcheck:cppcheck clang-tidy:clang-tidy valgrind:valgrind
DEPS_PC = cmocka:libcmocka-dev json-c:libjson-c-dev

# The benchmark's peers: ZeroMQ, sd-bus, and a dbus-daemon it starts privately.
BENCH_DEPS = dbus-daemon:dbus-daemon
BENCH_DEPS_PC = libzmq:libzmq3-dev libsystemd:libsystemd-dev

.PHONY: all deps check fuzz fuzz-seeds bench demo install clean

all: deps
	@test -f $(BUILD)/build.ninja || meson setup $(BUILD) $(MESON_OPTS)
	ninja -C $(BUILD)

deps:
	@missing=""; \
	for d in $(DEPS); do command -v $${d%%:*} >/dev/null 2>&1 || missing="$$missing $${d#*:}"; done; \
	for d in $(DEPS_PC); do \
		if ! command -v pkg-config >/dev/null 2>&1 || ! pkg-config --exists $${d%%:*}; then \
			missing="$$missing $${d#*:}"; fi; \
	done; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ]; then \
			echo "Installing:$$missing"; \
			apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y $$missing || exit 1; \
		else \
			echo "Missing packages. Run:"; \
			echo "  sudo apt-get update && sudo apt-get install -y$$missing"; \
			exit 1; \
		fi; \
	fi

# Every test under ASan + UBSan; the concurrency tests again under TSan; the transport tests
# with amodd under valgrind.
check: deps
	@test -f $(CHECK)/build.ninja || meson setup $(CHECK) -Db_sanitize=address,undefined \
		-Db_lundef=false $(MESON_OPTS)
	@test -f $(TSAN)/build.ninja || meson setup $(TSAN) -Db_sanitize=thread $(MESON_OPTS)
	@test -f $(VALGRIND)/build.ninja || meson setup $(VALGRIND) -Dbuildtype=debug $(MESON_OPTS)
	python3 tests/run-check.py $(CHECK) $(TSAN) $(VALGRIND)

# Every fuzz target (fuzz/) under libFuzzer, ASan and UBSan for FUZZ_SECONDS each, from its
# corpus in fuzz/corpus/; ends with the executions per target. Needs clang and its libFuzzer.
fuzz: deps
	@if ! command -v clang >/dev/null 2>&1 || \
	    [ -z "$$(clang -print-file-name=libclang_rt.fuzzer-x86_64.a | grep /)" ] || \
	    [ ! -f "$$(clang -print-file-name=libclang_rt.fuzzer-x86_64.a)" ]; then \
		if [ "$$(id -u)" = 0 ]; then \
			apt-get update && DEBIAN_FRONTEND=noninteractive \
				apt-get install -y clang libclang-rt-dev || exit 1; \
		else \
			echo "make fuzz needs clang and libFuzzer. Run:"; \
			echo "  sudo apt-get update && sudo apt-get install -y clang libclang-rt-dev"; \
			exit 1; \
		fi; \
	fi
	@test -f $(FUZZ)/build.ninja || CC=clang CXX=clang++ meson setup $(FUZZ) -Dtests=false \
		-Db_sanitize=address,undefined -Db_lundef=false \
		-Dc_args=-fsanitize=fuzzer-no-link -Dcpp_args=-fsanitize=fuzzer-no-link \
		$(MESON_OPTS)
	ninja -C $(FUZZ)
	python3 fuzz/run-fuzz.py $(FUZZ) $(FUZZ_SECONDS) $(FUZZ_TARGETS)

# Rewrites the seed inputs of fuzz/corpus/ from the real encoders (fuzz/make-seeds.c).
fuzz-seeds: all
	$(BUILD)/fuzz/make-seeds fuzz/corpus

# amod against ZeroMQ, D-Bus, SOCK_SEQPACKET and bare rings (docs/performance.md), from a
# release build without sanitizers. BENCH_ARGS=--quick for a run under a minute.
bench: deps
	@missing=""; \
	for d in $(BENCH_DEPS); do command -v $${d%%:*} >/dev/null 2>&1 || missing="$$missing $${d#*:}"; done; \
	for d in $(BENCH_DEPS_PC); do pkg-config --exists $${d%%:*} || missing="$$missing $${d#*:}"; done; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ]; then \
			echo "Installing:$$missing"; \
			apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y $$missing || \
				exit 1; \
		else \
			echo "Missing packages for the benchmark's peers. Run:"; \
			echo "  sudo apt-get update && sudo apt-get install -y$$missing"; \
			exit 1; \
		fi; \
	fi
	@# Reconfigure an existing build, so that peers installed since are found.
	@if [ -f $(BENCH)/build.ninja ]; then meson setup --reconfigure $(BENCH) >/dev/null; \
	else meson setup $(BENCH) -Dbuildtype=release -Db_sanitize=none -Dtests=false \
		$(MESON_OPTS); fi
	ninja -C $(BENCH) bench/amod-bench
	$(BENCH)/bench/amod-bench $(BENCH_ARGS)

# The tour across processes: amodd with the sample device, and the amod tool playing the app.
demo: all
	sh tools/demo/tour.sh $(BUILD)/tools/amodd/amodd $(BUILD)/tools/amod/amod

install: all
	meson install -C $(BUILD)

clean:
	rm -rf $(BUILD) $(CHECK) $(TSAN) $(VALGRIND) $(FUZZ) $(BENCH)
