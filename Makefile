# The two commands a newcomer runs: `make demo` and `make test`. Each sets itself up first.
.PHONY: setup demo test lint format bench clean

VENV := .venv
PY := $(VENV)/bin/python

setup:
	@bash scripts/setup.sh

# With a display the kiosk window opens; without one a scripted journey runs headless
# and leaves screenshots, receipt images and summary.json in demo-out/.
demo: setup
	@if [ -n "$$DISPLAY$$WAYLAND_DISPLAY" ]; then \
		$(VENV)/bin/kiosk demo --out demo-out; \
	else \
		$(VENV)/bin/kiosk demo --headless --out demo-out; \
	fi

test: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -n 2 --dist loadfile

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: setup
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# Benchmarks are run one at a time; each prints its baseline and ratio (docs/benchmarks.md).
bench: setup
	$(PY) -m bench.speech --runs 20
	$(PY) -m bench.printer --runs 20
	$(PY) -m bench.cash
	$(PY) -m bench.queue

clean:
	rm -rf demo-out build dist .pytest_cache
