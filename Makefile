# The same commands locally and in CI. `make serve` and `make test` do all set-up on a fresh machine.
.PHONY: setup serve test lint check build

setup:
	./scripts/setup.sh

PORT ?= 8000

serve: setup
	uv run netkg serve --port $(PORT)

lint: setup
	uv run ruff check netkg tests bench
	uv run ruff format --check netkg tests bench
	uv run mypy

check: setup
	uv run netkg validate
	uv run netkg fmt --check

build: setup
	uv run netkg build --out dist

test: setup
	./scripts/install-browser.sh
	./scripts/install-virtuoso.sh
	$(MAKE) lint check
	uv run pytest
