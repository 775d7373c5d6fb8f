# odoo-sizer — the two set-up commands are `make run` and `make test` (see README.md).
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
CARGO ?= cargo
TARGET := x86_64-unknown-linux-gnu
BIN := target/release/odoo-sizer
STATIC_BIN := target/$(TARGET)/release/odoo-sizer
TEST_IMAGE ?= odoo-sizer-test:dev
TEST_ODOO_IMAGE ?= odoo-sizer-test-odoo:dev
ODOO_CTX := target/test-odoo-context
RUN_DIR := target/run
# Debian packages the tests need (busybox-static: a shell for the stand-in Odoo test images; postgresql: a
# real server for the `pg` tests, started as throwaway clusters from /usr/lib/postgresql/<ver>/bin).
DEB_PACKAGES := busybox-static postgresql

export ODOO_SIZER_TEST_IMAGE := $(TEST_IMAGE)
export ODOO_SIZER_TEST_ODOO_IMAGE := $(TEST_ODOO_IMAGE)

.PHONY: all build run static test-image test-odoo-image deps test unit lint fmt clippy clean bench bench-fixture

all: build

build:
	$(CARGO) build --release

## make run: the main job on the embedded default — this machine's own limits and a fresh copy of the
## bundled sample config (docker/odoo.conf) under target/run/.
run: build
	mkdir -p $(RUN_DIR)
	cp docker/odoo.conf $(RUN_DIR)/odoo.conf
	@echo "== limits of this machine (odoo-sizer detect)"
	$(BIN) detect
	@echo
	@echo "== Odoo sized for them (odoo-sizer plan)"
	$(BIN) plan

## A statically linked binary that runs in an empty (scratch) root.
static:
	RUSTFLAGS='-C target-feature=+crt-static' $(CARGO) build --release --target $(TARGET)

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

## Installs what the tests need when it is missing (fresh machines of this kind have apt and root).
deps:
	@missing=""; for p in $(DEB_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi
	@command -v python3 >/dev/null || { echo "python3 is required by the differential tests"; exit 1; }

fmt:
	$(CARGO) fmt --all -- --check

clippy:
	$(CARGO) clippy --all-targets -- -D warnings

lint: fmt clippy

## make test: the whole suite (unit, fixture, property, CLI and real-container tests) plus fmt and clippy.
test: deps lint test-image
	$(CARGO) test --all-targets

unit:
	$(CARGO) test --lib

## make bench: Criterion benches of the pure core, instruction counts (callgrind), the whole-process
## comparison with the Python and shell baselines, binary and image sizes, cost per crate; writes the
## generated part of BENCHMARKS.md. Not part of `make test`. Installs hyperfine, time, valgrind and strace
## (Debian) and cargo-bloat (crates.io) when missing. Results of every step stay under target/bench/.
bench: static
	$(CARGO) bench --bench conf --bench core -- --warm-up-time 1 --measurement-time 5
	bench/icount.sh
	bench/compare.sh
	bench/bloat.sh
	python3 bench/report.py

## Regenerates bench/odoo.conf (the 400-line file of bench/compare.sh) from benches/support/mod.rs.
bench-fixture:
	ODOO_SIZER_BENCH_REGENERATE=1 $(CARGO) bench --bench conf -- --test

clean:
	$(CARGO) clean
	-docker rmi $(TEST_IMAGE) 2>/dev/null
