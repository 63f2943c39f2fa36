# Pinzhi: `make demo` for a first look, `make test` for the whole suite.
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(CURDIR)/.venv
# Python 3.12 (pyenv's, selected by .python-version); uv never downloads one.
PYTHON ?= $(shell command -v python3.12 2>/dev/null || echo python3)
UV := $(PYTHON) -m uv
RUN := $(UV) run --frozen
PORT ?= 8000

.PHONY: demo test test-fast lint format messages assets env bench check-deploy clean compiled-messages

env: .venv/.synced
.venv/.synced: uv.lock pyproject.toml
	@$(PYTHON) -m uv --version >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet uv
	$(UV) sync --frozen --python $(PYTHON)
	@touch $@

assets: pinzhi/static/vendor/.installed
pinzhi/static/vendor/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	rm -rf pinzhi/static/vendor && mkdir -p pinzhi/static/vendor/bootstrap-icons
	cp -r node_modules/bootstrap/dist pinzhi/static/vendor/bootstrap
	cp -r node_modules/bootstrap-icons/font pinzhi/static/vendor/bootstrap-icons/font
	mkdir -p pinzhi/static/vendor/echarts && cp node_modules/echarts/dist/echarts.min.js pinzhi/static/vendor/echarts/
	@touch $@

# Compiled translations are built, never committed.
compiled-messages: env
	$(RUN) python -m pinzhi.lib.messages compile

demo: env assets compiled-messages
	$(RUN) pinzhi demo --port $(PORT)

# Two workers: the machines have two cores.
PYTEST_ARGS ?= -n 2
test: env assets compiled-messages
	$(RUN) pytest -p no:cacheprovider $(PYTEST_ARGS)

# Style, the import layers (docs/architecture.md, "Layers") and the types.
lint: env
	$(RUN) ruff check .
	$(RUN) ruff format --check .
	$(RUN) lint-imports
	PYTHONWARNINGS=ignore::SyntaxWarning $(RUN) mypy

format: env
	$(RUN) ruff format .
	$(RUN) ruff check --fix .

# Extract message catalogues per app, then fill traditional Chinese from simplified.
messages: env
	$(RUN) python -m pinzhi.lib.messages

# The benchmark harness (docs/benchmarks.md): its own PostgreSQL, 10 k and 100 k complaints
# (BENCH_SIZES=10k,100k,1m for a million), the measures, the table written into the doc.
# BENCH_PYTEST=1 also runs the older `-m bench` pytest benchmarks.
bench: env assets compiled-messages
	scripts/bench
	@if [ -n "$(BENCH_PYTEST)" ]; then $(RUN) pytest -p no:cacheprovider -m bench pinzhi; fi

check-deploy: env
	PINZHI_SECRET_KEY=$$($(RUN) python -c "import secrets;print(secrets.token_urlsafe(60))") \
	  DJANGO_SETTINGS_MODULE=pinzhi.settings_production $(RUN) pinzhi check --deploy --fail-level WARNING

clean:
	rm -rf .venv node_modules pinzhi/static/vendor var
