# Mostrador's two newcomer commands: `make run` and `make test`.
# Both install the Debian/Ubuntu packages the window needs first.

GO       ?= go
BIN      ?= mostrador
# cgo + GLFW for the real window; Xvfb is only for looking at the window headless.
APT_PKGS := gcc pkg-config libgl1-mesa-dev xorg-dev

.PHONY: all deps build run test vet bench fuzz clean

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
	      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq$$missing >/dev/null; \
	    else \
	      echo "Mostrador needs these packages:$$missing"; \
	      echo "Install them with:  sudo apt-get install -y$$missing"; \
	      exit 1; \
	    fi; \
	  fi; \
	else \
	  echo "Not a Debian/Ubuntu system: install a C compiler and the OpenGL and X11 development headers yourself."; \
	fi

## build: the desktop binary (GLFW, cgo)
build: deps
	CGO_ENABLED=1 $(GO) build -o $(BIN) .

## run: build and open the window on your shop's database
run: build
	./$(BIN)

## test: every test (Fyne's software driver, no display needed), then the real binary must build
test: deps
	$(GO) vet -tags ci ./...
	$(GO) test -tags ci -count=1 ./...
	CGO_ENABLED=1 $(GO) build -o /dev/null .

## bench: the import benchmarks with sqlite3's own .import beside them (the
## anchor needs the sqlite3 command: installed here when root)
bench:
	@command -v sqlite3 >/dev/null 2>&1 || { if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq sqlite3 >/dev/null; \
	  else echo "The sqlite3 anchor needs:  sudo apt-get install -y sqlite3"; fi; }
	$(GO) test -tags ci -run '^$$' -bench 'Import$$' -benchtime 3x -benchmem ./orders
	$(GO) test -tags ci -run '^$$' -bench 'Import1M' -benchtime 1x ./orders

## fuzz: a minute of each fuzz target
fuzz:
	$(GO) test -tags ci -run '^$$' -fuzz FuzzReadCSV -fuzztime 60s ./orders
	$(GO) test -tags ci -run '^$$' -fuzz FuzzImport -fuzztime 60s ./orders

clean:
	rm -f $(BIN)
