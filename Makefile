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

# One table (figure, value, baseline, ratio, goal, met) from the benches that expose their
# figures, then the benches that print their own report (docs/benchmarks.md).
bench: setup
	$(PY) -m pip install -q -e '.[dev,bench]'
	$(PY) -m bench.table
	$(PY) -m bench.ui
	$(PY) -m bench.technician
	$(PY) -m bench.card_swipe

clean:
	rm -rf demo-out build dist .pytest_cache
