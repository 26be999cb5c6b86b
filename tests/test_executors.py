"""Executors: processes and a Dask LocalCluster write exactly what the local executor writes."""

import json

import pytest

from pipeline.runner import load_config
from pipeline.executors import split_stages
from pipeline.runner import build_stages, run
from pipeline.stages.base import Context

from tests.util import FIXTURES

pytestmark = [pytest.mark.model, pytest.mark.slow]


def cfg(tmp_path, name, *extra):
    return load_config("config/default.toml", [
        f"run.output_dir={json.dumps(str(tmp_path))}", f"run.name={name}", "run.progress=off",
        f'stages.ingest.paths=[{json.dumps(str(FIXTURES / "raw"))}]', "run.chunk_size=1", *extra])


def records(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_split_keeps_stateful_stages_in_the_driver(tmp_path):
    c = cfg(tmp_path, "s")
    head, body, tail = split_stages(build_stages(c, Context(c, tmp_path)))
    assert [s.name for s in head] == ["ingest", "repair", "clean"]
    assert [s.name for s in body] == ["language", "segment", "ner", "classify"]
    assert [s.name for s in tail] == ["write"]


@pytest.fixture(scope="module")
def local_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("exec")
    run(cfg(tmp, "local"))
    return tmp, records(tmp / "local" / "annotations.jsonl")


def test_process_pool_output_is_identical(local_run):
    tmp, expected = local_run
    m = run(cfg(tmp, "proc", 'run.executor="processes"', "run.workers=2"))
    assert records(tmp / "proc" / "annotations.jsonl") == expected
    assert m["executor"]["in_workers"] == ["language", "segment", "ner", "classify"]
    assert m["counts"]["segment"]["docs"] == len(expected)


def test_dask_local_cluster_output_is_identical(local_run):
    pytest.importorskip("dask.distributed")
    tmp, expected = local_run
    run(cfg(tmp, "dask", 'run.executor="dask"', "run.workers=2"))
    assert records(tmp / "dask" / "annotations.jsonl") == expected


def test_dask_on_an_existing_cluster_output_is_identical(local_run):
    # run.scheduler: the address of a cluster the user started; the run uses it and leaves it running.
    distributed = pytest.importorskip("dask.distributed")
    tmp, expected = local_run
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None,
                                  silence_logs=40) as cluster:
        m = run(cfg(tmp, "dask_sched", 'run.executor="dask"', f"run.scheduler={json.dumps(cluster.scheduler_address)}"))
        assert records(tmp / "dask_sched" / "annotations.jsonl") == expected
        assert m["executor"]["in_workers"] == ["language", "segment", "ner", "classify"]
        with distributed.Client(cluster.scheduler_address) as client:
            assert len(client.scheduler_info()["workers"]) == 1  # still up after the run
