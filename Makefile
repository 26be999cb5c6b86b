# Two commands for a fresh machine:  `make run`  and  `make test`.
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
CONFIG ?= config/default.toml

.PHONY: install run test lint coverage mutation gold ner-model textcat-model textcat-minilm clean

$(BIN)/irnlp: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	touch $(BIN)/irnlp

install: $(BIN)/irnlp

run: install  ## install, then run the main job on corpus/raw with the default config
	$(BIN)/irnlp run $(CONFIG)

lint: install  ## the import layers of pyproject.toml [tool.importlinter] (imports only point down)
	$(BIN)/lint-imports

test: install lint  ## install, check the import layers, then run the test suite
	$(BIN)/python -m pytest

coverage: install  ## the test suite with line coverage per module of the package (pytest-cov)
	$(BIN)/pip install --quiet pytest-cov==7.1.0
	$(BIN)/python -m pytest --cov=pipeline --cov-report=term-missing:skip-covered

mutation: install  ## mutation testing of the core modules (mutmut 3, ~20 min; not in CI) -> benchmarks/MUTATION.md
	$(BIN)/pip install --quiet mutmut==3.8.1
	rm -rf mutants
	$(BIN)/mutmut run || true
	$(BIN)/python benchmarks/mutation_report.py

ner-model: install  ## fine-tune the entity recognizer on corpus/train (config/ner.cfg) -> models/ner (~8 min)
	$(BIN)/irnlp train-ner config/ner.cfg --data corpus/train/train.jsonl --out models/ner

textcat-model: install  ## retrain the topic and stance classifiers (config/train.toml) -> models/textcat (~25 min)
	$(BIN)/irnlp train config/train.toml

textcat-minilm: install  ## the optional MiniLM stance model (PyTorch CPU, config/train_minilm.toml) -> models/textcat_minilm (~20 min)
	$(BIN)/pip install --quiet -e ".[test,embeddings]"
	$(BIN)/irnlp train config/train_minilm.toml

gold:  ## rebuild corpus/gold/*.jsonl from the hand-written sources
	$(BIN)/python corpus/gold/build_gold.py

clean:
	rm -rf $(VENV) outputs .pytest_cache
