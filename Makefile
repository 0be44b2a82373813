# SPDX-License-Identifier: MIT
# The README's commands. meson + ninja do the work; this file installs what is missing first.

BUILD      ?= build
CHECK      ?= build-check
TSAN       ?= build-tsan
MESON_OPTS ?=

# Debian packages the build and the tests need, and a command that tells each one is there.
DEPS = meson:meson ninja:ninja-build pkg-config:pkg-config cc:gcc c++:g++ \
       python3:python3
DEPS_PC = cmocka:libcmocka-dev

.PHONY: all deps check demo install clean

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

# Every test, under ASan + UBSan; then the concurrency tests again under TSan.
check: deps
	@test -f $(CHECK)/build.ninja || meson setup $(CHECK) -Db_sanitize=address,undefined \
		-Db_lundef=false $(MESON_OPTS)
	@test -f $(TSAN)/build.ninja || meson setup $(TSAN) -Db_sanitize=thread $(MESON_OPTS)
	python3 tests/run-check.py $(CHECK) $(TSAN)

demo: all
	$(BUILD)/tools/demo/amod-demo

install: all
	meson install -C $(BUILD)

clean:
	rm -rf $(BUILD) $(CHECK) $(TSAN)
