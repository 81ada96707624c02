# Development tasks. `make test` is CI's test command (.ci/run); the others are longer hunts.
PYTHON ?= .venv/bin/python
# test-long: every property test runs SCALE times its CI examples (25 at least: 10,000 and more each).
SCALE ?= 400
# fuzz: seconds per fuzz target (five targets); the corpus grows in .fuzz/<target>/.
FUZZ_TIME ?= 600

.PHONY: test test-lean test-long fuzz seeds

test:
	$(PYTHON) -m pytest

# test-lean: the whole suite with every text worked on as a long one is (dedupe.api.LEAN_FROM = 0).
test-lean:
	$(PYTHON) -m pytest --lean

test-long:
	DEDUPE_PROPERTY_SCALE=$(SCALE) $(PYTHON) -m pytest -m hypothesis

fuzz:
	DEDUPE_FUZZ_TIME=$(FUZZ_TIME) $(PYTHON) -m pytest tests/test_fuzz.py -k test_fuzz_run -rxs

seeds:
	$(PYTHON) tests/fuzz/make_seeds.py
