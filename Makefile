# Mostrador's two newcomer commands: `make run` and `make test`.
# Both install the Debian/Ubuntu packages the window needs first; `make test`
# also installs Dovecot, for the mailbox integration tests.

GO       ?= go
BIN      ?= mostrador
# cgo + GLFW for the real window; Xvfb is only for looking at the window headless.
APT_PKGS := gcc pkg-config libgl1-mesa-dev xorg-dev
# The mailbox integration tests start their own Dovecot on 127.0.0.1 (see
# inbox/internal/dovecot); the app itself never needs it.
TEST_APT_PKGS := dovecot-imapd

.PHONY: all deps test-deps build run test vet bench fuzz clean

all: build

## deps: install the system packages (apt-get as root, else print the exact command)
deps:
	@command -v $(GO) >/dev/null 2>&1 || { echo "Mostrador needs Go 1.26 or newer: see https://go.dev/doc/install"; exit 1; }
	@if command -v dpkg >/dev/null 2>&1; then \
	  missing=""; \
	  for p in $(APT_PKGS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	  if [ -n "$$missing" ]; then \
	    if [ "$$(id -u)" = 0 ]; then \
	      echo "Installing:$$missing"; \
	      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq$$missing >/dev/null || exit 1; \
	    else \
	      echo "Mostrador needs these packages:$$missing"; \
	      echo "Install them with:  sudo apt-get install -y$$missing"; \
	      exit 1; \
	    fi; \
	  fi; \
	else \
	  echo "Not a Debian/Ubuntu system: install a C compiler and the OpenGL and X11 development headers yourself."; \
	fi

## test-deps: install Dovecot for the mailbox integration tests (apt-get as root,
## else print the exact command: without Dovecot those tests skip and say why).
## Installing it must not leave a mail server running or enabled on 143/993:
## a policy-rc.d (the Debian way) keeps the package from starting its service,
## and a system service that did not exist before is disabled. After deps:
## apt-get cannot run twice at once (make -j).
test-deps: deps
	@if command -v dpkg >/dev/null 2>&1; then \
	  missing=""; \
	  for p in $(TEST_APT_PKGS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	  if [ -z "$$missing" ]; then exit 0; fi; \
	  if [ "$$(id -u)" != 0 ]; then \
	    echo "The mailbox integration tests need:$$missing (they skip without it)"; \
	    echo "Install it with:  sudo apt-get install -y$$missing"; \
	    exit 0; \
	  fi; \
	  had_dovecot=no; dpkg -s dovecot-core >/dev/null 2>&1 && had_dovecot=yes; \
	  if [ ! -e /usr/sbin/policy-rc.d ]; then \
	    trap 'rm -f /usr/sbin/policy-rc.d' EXIT; trap 'exit 130' INT TERM; \
	    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d; \
	  fi; \
	  echo "Installing:$$missing (for the mailbox integration tests; its system service stays off)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq$$missing >/dev/null || exit 1; \
	  if [ $$had_dovecot = no ] && command -v systemctl >/dev/null 2>&1; then \
	    systemctl disable --quiet dovecot.service dovecot.socket >/dev/null 2>&1 || true; \
	  fi; \
	else \
	  echo "Not a Debian/Ubuntu system: install Dovecot (/usr/sbin/dovecot) for the mailbox integration tests; they skip without it."; \
	fi
	@# The calendar invitations are read back by a real calendar parser
	@# (ical.js, installed by the test with npm at the version pinned in
	@# reminders/testdata/icaljs): that needs node. A node from elsewhere
	@# (NodeSource) is kept: Debian's npm would conflict with it.
	@if ! command -v node >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing: nodejs npm (for the calendar invitation tests)"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null || exit 1; \
	  else \
	    echo "The calendar invitation tests need node (they skip without it):  sudo apt-get install -y nodejs npm"; \
	  fi; \
	fi

## build: the desktop binary (GLFW, cgo)
build: deps
	CGO_ENABLED=1 $(GO) build -o $(BIN) .

## run: build and open the window on your shop's database
run: build
	./$(BIN)

## test: every test (Fyne's software driver, no display needed; the mailbox
## integration tests against a private Dovecot), then the real binary must build
test: test-deps
	$(GO) vet -tags ci ./...
	@# With node here, a calendar parser that cannot run is a failure, not a skip.
	if command -v node >/dev/null 2>&1; then export MOSTRADOR_REQUIRE_ICALJS=1; fi; \
	$(GO) test -tags ci -count=1 ./...
	CGO_ENABLED=1 $(GO) build -o /dev/null .

## bench: the import benchmarks with sqlite3's own .import beside them, the
## mailbox sync of 10,000 messages from a local Dovecot with mbsync beside it,
## and the automated emails (planning 100,000 changes, the due jobs among
## 1,000,000, sending 1,000 with a bare go-mail loop beside it), the orders
## table on 100,000 orders, and the window (a large card; start-up on
## 100,000 customers)
## (the anchors need the sqlite3 and mbsync commands: installed here when root;
## the sync benchmarks need Dovecot, which `make test-deps` installs)
bench:
	@missing=""; \
	command -v sqlite3 >/dev/null 2>&1 || missing="$$missing sqlite3"; \
	command -v mbsync >/dev/null 2>&1 || missing="$$missing isync"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq$$missing >/dev/null || exit 1; \
	  else echo "The anchors need:  sudo apt-get install -y$$missing"; fi; \
	fi; \
	[ -x /usr/sbin/dovecot ] || echo "The sync benchmarks need Dovecot (they skip without it):  make test-deps"
	$(GO) test -tags ci -run '^$$' -bench 'Import$$' -benchtime 3x -benchmem ./orders
	$(GO) test -tags ci -run '^$$' -bench 'Import1M' -benchtime 1x ./orders
	$(GO) test -tags ci -run '^$$' -bench 'Dovecot10k' -benchtime 3x ./inbox
	$(GO) test -tags ci -run '^$$' -bench 'Search100k' -benchtime 20x ./inbox
	$(GO) test -tags ci -run '^$$' -bench 'ParseMessage' -benchmem ./inbox
	$(GO) test -tags ci -run '^$$' -bench 'PlanOrders100k' -benchtime 5x -benchmem ./reminders
	$(GO) test -tags ci -run '^$$' -bench 'DueJobs1M' -benchmem ./reminders
	$(GO) test -tags ci -run '^$$' -bench 'Send1000' -benchtime 3x -benchmem ./reminders
	$(GO) test -tags ci -run '^$$' -bench 'ListOrders' -benchmem ./orders
	$(GO) test -tags ci -run '^$$' -bench 'OpenLargeCard|Startup100k' -benchmem ./ui

## fuzz: a minute of each fuzz target (CSV reader, import, MIME to text, saved-reply fields, calendar text, email templates)
fuzz:
	$(GO) test -tags ci -run '^$$' -fuzz FuzzReadCSV -fuzztime 60s ./orders
	$(GO) test -tags ci -run '^$$' -fuzz FuzzImport -fuzztime 60s ./orders
	$(GO) test -tags ci -run '^$$' -fuzz FuzzParseMessage -fuzztime 60s ./inbox
	$(GO) test -tags ci -run '^$$' -fuzz FuzzParse -fuzztime 60s ./internal/tmpl
	$(GO) test -tags ci -run '^$$' -fuzz FuzzICSText -fuzztime 60s ./reminders
	$(GO) test -tags ci -run '^$$' -fuzz FuzzTemplate -fuzztime 60s ./reminders

clean:
	rm -f $(BIN)
