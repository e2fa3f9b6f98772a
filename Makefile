# llmlog — the two commands a new machine needs are `make run` (the demo) and `make test`.
CARGO ?= cargo

.PHONY: run test bench build release sample-logs fmt man

## The demo: analyze the bundled sample logs.
run:
	$(CARGO) run --quiet -- analyze sample-logs --format table

# Python with aiosmtpd: the real SMTP server the watch tests send email to.
PYENV := target/pyenv
# Headless Chromium and its driver (Debian's), for the HTML report's browser tests.
CHROMEDRIVER := /usr/bin/chromedriver

## The whole test suite: formatting, lints, unit, property and black-box tests of the binary
## (installs aiosmtpd, the llm CLI with its echo model for the logs.db tests, openpyxl to read
## the XLSX exports back, selenium, DuckDB and pyspark to read the Parquet dataset, moto as the
## local S3 server, and Debian's chromium with its driver, first).
test: $(PYENV)/.installed-4 $(CHROMEDRIVER)
	$(CARGO) fmt --check
	$(CARGO) clippy --all-targets --quiet -- -D warnings
	LLMLOG_TEST_PYTHON=$(abspath $(PYENV))/bin/python $(CARGO) test --all-targets

$(PYENV)/.installed-4:
	python3 -m venv $(PYENV)
	$(PYENV)/bin/python -m pip install --quiet --disable-pip-version-check aiosmtpd llm==0.36 llm-echo openpyxl selenium duckdb pyspark 'moto[server]' boto3
	touch $@

$(CHROMEDRIVER):
	$$(command -v sudo) apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $$(command -v sudo) apt-get install -y -qq --no-install-recommends chromium chromium-driver

## 1 GB benchmark against polars, DuckDB and pandas (release build; peers installed in
## target/bench/venv), then watch's alert latency, throughput, idle CPU and memory, then Claude Code
## logs against ccusage (installed into target/bench/npm).
bench: release
	python3 tests/bench/bench.py
	python3 tests/bench/watch_bench.py
	python3 tests/bench/agents_bench.py

build:
	$(CARGO) build

release:
	$(CARGO) build --release

## Regenerate sample-logs/ (deterministic).
sample-logs:
	rm -rf sample-logs && python3 tests/bench/gen_logs.py sample sample-logs

fmt:
	$(CARGO) fmt

## The man page, from the same clap definitions as --help (and `llmlog completions SHELL`).
man:
	mkdir -p target/man
	$(CARGO) run --quiet -- man > target/man/llmlog.1
