# telemetryd — build, test, install. `make help` lists the targets.
SWIFT        ?= swift
PREFIX       ?= /usr
DESTDIR      ?=
UNITDIR      ?= $(PREFIX)/lib/systemd/system
CATALOGDIR   ?= $(PREFIX)/lib/systemd/catalog
CONFDIR      ?= /etc/telemetryd
DOCDIR       ?= $(PREFIX)/share/doc/telemetryd
# Only the telemetryd product: the test helpers' target (Tests/TestSupport) imports Testing, absent from a release build.
# Every function in a section of its own (Swift and C; the static Swift runtime's C++ is built so too), linked by lld
# with the functions an idle wake runs first, in the order they run: the wake's code on a few pages instead of
# ~60 windows spread over 16 MiB of text (BENCHMARKS.md, "The idle wake"). `make wake-order` regenerates
# scripts/wake-order.txt; names it lists that no longer exist are ignored, so a stale file costs pages, not a build.
LAYOUT_FLAGS  = -Xswiftc -use-ld=lld -Xswiftc -Xfrontend -Xswiftc -function-sections -Xcc -ffunction-sections \
		-Xlinker --symbol-ordering-file=$(CURDIR)/scripts/wake-order.txt -Xlinker --no-warn-symbol-ordering
RELEASE_BASE  = -c release --static-swift-stdlib -Xswiftc -Osize $(LAYOUT_FLAGS) -Xlinker --version-script=$(CURDIR)/scripts/export.map --product telemetryd
RELEASE_FLAGS = $(RELEASE_BASE) -Xlinker -s
BIN_DEBUG     = .build/debug/telemetryd
BIN_RELEASE   = .build/release/telemetryd
# The collector is its own SwiftPM package in Collector/, so the daemon's build links none of its dependencies.
COLLECTOR_BIN = Collector/.build/debug/telemetry-collector
COLLECTOR_BIN_RELEASE = Collector/.build/release/telemetry-collector
# The collector's release build keeps NIO's symbols (no version script) and -O: it is a server, speed over size.
COLLECTOR_RELEASE_FLAGS = -c release --static-swift-stdlib -Xlinker -s
OUT           = $(CURDIR)/out

.PHONY: help deps build release run show test unit-test integration-test install uninstall clean bench footprint binary-footprint wake-pages wake-order \
	collector collector-build collector-release collector-bench deb deb-test man completions

help:
	@echo "make run         install build deps, build, run the daemon in the foreground in dry run (Ctrl-C stops)"
	@echo "make show        install build deps, build, print the reports this machine would send"
	@echo "make collector   build and start telemetry-collector (SQLite) and a daemon reporting to it; Ctrl-C stops"
	@echo "make test        install test deps, run unit tests and integration tests (real collector, real systemd)"
	@echo "make release     self-contained release binary ($(BIN_RELEASE))"
	@echo "make collector-release  the collector's ($(COLLECTOR_BIN_RELEASE))"
	@echo "make deb         Debian packages out/telemetryd_VERSION_ARCH.deb and out/telemetry-collector_VERSION_ARCH.deb"
	@echo "make deb-test    install, upgrade and purge them in a fresh Debian 12 container with systemd (root)"
	@echo "make man         man pages into out/man/ (telemetryd.8, telemetry.conf.5)"
	@echo "make completions bash, zsh and fish completions into out/completions/"
	@echo "make install     install binary, unit, default config and catalog; reload systemd (root)"
	@echo "make uninstall   stop, disable and remove them again (state in /var/lib/telemetryd is kept)"
	@echo "make bench       micro benchmarks (Benchmarks/ package, ordo-one/benchmark)"
	@echo "make footprint   idle footprint beside prometheus-node-exporter; rewrites BENCHMARKS.md's generated table"
	@echo "make binary-footprint  the release binary's size and ldd, against the numbers BENCHMARKS.md records"
	@echo "make wake-pages  every page fault of a few idle wakes of the release binary, named by symbol (root, perf)"
	@echo "make wake-order  trace an idle wake's functions (ptrace, root) into scripts/wake-order.txt, the link order"
	@echo "make collector-bench  collector ingest and reads on SQLite and PostgreSQL (wrk, release build); rewrites BENCHMARKS.md's Collector table"

deps:
	@scripts/install-deps

build: deps
	$(SWIFT) build

# Only the shipped product: a plain `swift build -c release` also builds TestSupport, which needs Swift Testing.
release: deps
	$(SWIFT) build $(RELEASE_FLAGS) --product telemetryd

# The main job on a fresh machine: the daemon in the foreground with this machine's real data, in dry run
# (it builds both reports at once and logs them, sends nothing and opens no connection). Ctrl-C stops it.
DEMO_DIR = $(CURDIR)/.build/demo
run: build
	@mkdir -p $(DEMO_DIR)
	@printf '[Telemetry]\nDryRun=yes\nRandomizedDelaySec=0\n' > $(DEMO_DIR)/telemetry.conf
	@echo "telemetryd run: dry run, config $(DEMO_DIR)/telemetry.conf, state $(DEMO_DIR)/state; Ctrl-C stops"
	$(BIN_DEBUG) run --config $(DEMO_DIR)/telemetry.conf --state-dir $(DEMO_DIR)/state

# What the next reports would carry, as pretty JSON. Sends nothing.
show: build
	$(BIN_DEBUG) show --state-dir $${STATE_DIR:-$(CURDIR)/.build/state}

# The collector is its own package (Collector/): the daemon's build links none of its dependencies.
collector-build: deps
	$(SWIFT) build --package-path Collector

collector-release: deps
	$(SWIFT) build $(COLLECTOR_RELEASE_FLAGS) --package-path Collector --product telemetry-collector

# The receiving end on one machine: telemetry-collector on SQLite at http://127.0.0.1:$(COLLECTOR_PORT)/ and a
# telemetryd sending to it at once (no random delay), both in the foreground; Ctrl-C stops both.
COLLECTOR_PORT ?= 8080
collector: build collector-build
	scripts/collector-demo --port $(COLLECTOR_PORT) --daemon $(BIN_DEBUG) --collector $(COLLECTOR_BIN) --dir $(CURDIR)/.build/collector-demo

# scripts/check-tmp runs a suite with a temporary directory of its own and fails if the suite leaves anything there.
test: deps
	@scripts/install-deps --test
	$(SWIFT) build --build-tests
	scripts/check-tmp $(SWIFT) test --skip-build
	$(SWIFT) build --build-tests --package-path Collector
	$(SWIFT) test --skip-build --package-path Collector
	TELEMETRYD_BIN=$(CURDIR)/$(BIN_DEBUG) COLLECTOR_BIN=$(CURDIR)/$(COLLECTOR_BIN) scripts/check-tmp python3 -m pytest -q -ra tests/integration

# Both packages' Swift tests: the daemon's and the collector's (its own package in Collector/).
unit-test: deps
	$(SWIFT) build --build-tests
	scripts/check-tmp $(SWIFT) test --skip-build
	$(SWIFT) test --package-path Collector

integration-test: build collector-build
	@scripts/install-deps --test
	TELEMETRYD_BIN=$(CURDIR)/$(BIN_DEBUG) COLLECTOR_BIN=$(CURDIR)/$(COLLECTOR_BIN) scripts/check-tmp python3 -m pytest -q -ra tests/integration

install: release
	install -D -m 0755 $(BIN_RELEASE) $(DESTDIR)$(PREFIX)/bin/telemetryd
	install -D -m 0644 systemd/telemetryd.service $(DESTDIR)$(UNITDIR)/telemetryd.service
	install -D -m 0644 systemd/telemetryd.catalog $(DESTDIR)$(CATALOGDIR)/telemetryd.catalog
	install -D -m 0644 README.md $(DESTDIR)$(DOCDIR)/README.md
	install -D -m 0644 schema/report-v1.schema.json $(DESTDIR)$(DOCDIR)/report-v1.schema.json
	@if [ -e $(DESTDIR)$(CONFDIR)/telemetry.conf ]; then \
		echo "keeping existing $(DESTDIR)$(CONFDIR)/telemetry.conf"; \
	else install -D -m 0644 etc/telemetry.conf $(DESTDIR)$(CONFDIR)/telemetry.conf; fi
	@if [ -z "$(DESTDIR)" ] && [ -d /run/systemd/system ]; then \
		journalctl --update-catalog; systemctl daemon-reload; \
		echo "installed; start with: systemctl enable --now telemetryd"; \
	fi

uninstall:
	-@if [ -z "$(DESTDIR)" ] && [ -d /run/systemd/system ]; then systemctl disable --now telemetryd 2>/dev/null; fi
	rm -f $(DESTDIR)$(PREFIX)/bin/telemetryd $(DESTDIR)$(UNITDIR)/telemetryd.service $(DESTDIR)$(CATALOGDIR)/telemetryd.catalog
	rm -rf $(DESTDIR)$(DOCDIR)
	-@if [ -z "$(DESTDIR)" ] && [ -d /run/systemd/system ]; then journalctl --update-catalog; systemctl daemon-reload; fi
	@echo "removed; $(CONFDIR) and the state in /var/lib/telemetryd were kept (delete them by hand to forget this install)"

# Micro benchmarks (separate package, so the daemon's build never pays for ordo-one/benchmark) and the
# idle footprint beside prometheus-node-exporter; both write their numbers into BENCHMARKS.md's tables by hand/script.
bench: deps
	cd Benchmarks && $(SWIFT) package --allow-writing-to-package-directory benchmark

footprint: release
	-scripts/binary-footprint --binary $(BIN_RELEASE)
	scripts/footprint --binary $(BIN_RELEASE)

# The shipped binary's size and the libraries it loads: "no larger, ldd unchanged" against BENCHMARKS.md's record
# (fails when it grew or ldd changed; `scripts/binary-footprint --write` records new numbers).
binary-footprint: release
	scripts/binary-footprint --binary $(BIN_RELEASE)

# What an idle wake touches: the release binary linked once more without -s (same layout) for the symbol names.
wake-pages: release
	$(SWIFT) build $(RELEASE_BASE) && cp $(BIN_RELEASE) $(BIN_RELEASE).syms
	$(SWIFT) build $(RELEASE_FLAGS)
	scripts/wake-pages --binary $(BIN_RELEASE) --symbols $(BIN_RELEASE).syms --sequence

# The link order of the idle wake's code: three wakes of the unstripped twin single-stepped (ptrace), their functions
# written in the order they first ran, less those in sections too large to move (the link map says which); then the
# release binary is linked again with it (removed first: SwiftPM does not see the file change).
wake-order: release
	rm -f $(BIN_RELEASE) && $(SWIFT) build $(RELEASE_BASE) -Xlinker -Map=$(CURDIR)/$(BIN_RELEASE).map -Xlinker --no-demangle
	cp $(BIN_RELEASE) $(BIN_RELEASE).syms
	scripts/wake-pages --binary $(BIN_RELEASE).syms --symbols $(BIN_RELEASE).syms --map $(BIN_RELEASE).map \
		--trace --wakes 3 --ping 15 --write-order scripts/wake-order.txt
	rm -f $(BIN_RELEASE) && $(SWIFT) build $(RELEASE_FLAGS)

# Debian packages from the static release binaries (scripts/build-deb, packaging/).
deb: release collector-release
	@scripts/install-deps --deb
	scripts/build-deb telemetryd --binary $(BIN_RELEASE) --out $(OUT)
	scripts/build-deb telemetry-collector --binary $(COLLECTOR_BIN_RELEASE) --out $(OUT)

# The packages as an operator meets them: lintian, then apt install / upgrade / remove / purge in a fresh Debian 12
# booted with its own systemd (tests/integration/test_package.py; revision 2 is the "newer build" to upgrade to).
deb-test: deb
	@scripts/install-deps --test
	scripts/build-deb telemetryd --binary $(BIN_RELEASE) --revision 2 --out $(OUT)
	scripts/build-deb telemetry-collector --binary $(COLLECTOR_BIN_RELEASE) --revision 2 --out $(OUT)
	TELEMETRYD_BIN=$(CURDIR)/$(BIN_RELEASE) COLLECTOR_BIN=$(CURDIR)/$(COLLECTOR_BIN_RELEASE) \
		TELEMETRYD_DEB_DIR=$(OUT) python3 -m pytest -q -ra tests/integration/test_package.py tests/integration/test_package_docs.py

# Man pages: scdoc sources in man/, the command part generated from the binary's own help (scripts/gen-man).
man: build
	@scripts/install-deps --deb
	scripts/gen-man --binary $(BIN_DEBUG) man/telemetryd.8.scd -o $(OUT)/man/telemetryd.8
	scripts/gen-man man/telemetry.conf.5.scd -o $(OUT)/man/telemetry.conf.5
	@echo "read them with: man -l $(OUT)/man/telemetryd.8"

# Shell completions, generated by swift-argument-parser; the packages install them where each shell looks.
completions: build
	@mkdir -p $(OUT)/completions
	$(BIN_DEBUG) --generate-completion-script bash > $(OUT)/completions/telemetryd.bash
	$(BIN_DEBUG) --generate-completion-script zsh > $(OUT)/completions/_telemetryd
	$(BIN_DEBUG) --generate-completion-script fish > $(OUT)/completions/telemetryd.fish

# Not part of `make test`: ~35 minutes (most of it importing the 1M-report fleet into each database) after a release
# build of the collector; a PostgreSQL of its own, wrk on loopback. `scripts/collector-bench --quick` takes a few minutes.
collector-bench: collector-release
	@scripts/install-deps --test
	scripts/collector-bench --bin $(COLLECTOR_BIN_RELEASE)

clean:
	rm -rf .build Collector/.build .build-deb out
