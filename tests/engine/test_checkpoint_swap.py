"""A checkpoint is swapped in whole, and a reader racing the swap loads again instead of failing.

`train` replaces ``checkpoints/last`` (and ``best``) while `evaluate` and `predict`, which never take
the run's lock, may be reading it. Where the system can, the swap is one atomic exchange, so the
directory never stops existing; a reader that still saw a changed directory loads again.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

import openzoo.engine.loading as loading
import openzoo.engine.rundir as rundir
from openzoo.engine import api
from openzoo.engine.swap import exchange_directories
from openzoo.errors import BadInputError


def _directory(path: Path, text: str) -> Path:
    path.mkdir(parents=True)
    (path / "weights.txt").write_text(text)
    return path


def test_exchange_swaps_two_directories_in_one_step(tmp_path):
    first, second = _directory(tmp_path / "a", "A"), _directory(tmp_path / "b", "B")
    if not exchange_directories(first, second):
        pytest.skip("this system cannot exchange two directories in one step (not Linux, or no renameat2)")
    assert (first / "weights.txt").read_text() == "B" and (second / "weights.txt").read_text() == "A"


def test_exchange_of_a_missing_directory_raises_instead_of_pretending(tmp_path):
    first = _directory(tmp_path / "a", "A")
    try:
        done = exchange_directories(first, tmp_path / "missing")
    except FileNotFoundError:
        return
    assert done is False  # a system that cannot exchange reports it and changes nothing
    assert (first / "weights.txt").read_text() == "A"


@pytest.mark.parametrize("exchange", [True, False], ids=["exchange", "two-renames"])
def test_replacing_a_checkpoint_keeps_it_complete_and_leaves_nothing_behind(tmp_path, monkeypatch, exchange):
    target = _directory(tmp_path / "checkpoints" / "last", "old")
    source = _directory(tmp_path / "checkpoints" / ".last.tmp-1", "new")
    if not exchange:
        monkeypatch.setattr(rundir, "exchange_directories", lambda first, second: False)
    seen = []
    rename = os.rename

    def spying_rename(src, dst):
        seen.append(target.is_dir())
        rename(src, dst)

    monkeypatch.setattr(rundir.os, "rename", spying_rename)
    rundir.replace_directory(source, target)
    assert (target / "weights.txt").read_text() == "new"
    assert sorted(p.name for p in target.parent.iterdir()) == ["last"]
    if exchange and exchange_directories(_directory(tmp_path / "x", "x"), _directory(tmp_path / "y", "y")):
        assert seen == [True]  # the only rename moves the old copy aside after the exchange


def _checkpoint_only_run(train_run) -> Path:
    """A finished run whose model is read from its checkpoint, as while the run is still training."""
    run = train_run(epochs=1)
    shutil.rmtree(run.path / "model")
    return run.path


def _swap_in_a_copy(checkpoint: Path) -> None:
    """Do what `train` does when it saves: replace ``checkpoint`` with a new directory in one step."""
    fresh = checkpoint.with_name(f".{checkpoint.name}.tmp-race")
    shutil.copytree(checkpoint, fresh)
    rundir.replace_directory(fresh, checkpoint)


def test_a_reader_whose_checkpoint_is_swapped_mid_read_loads_again(train_run, registry, monkeypatch):
    path = _checkpoint_only_run(train_run)
    calls = []
    real = loading.load_saved_model

    def racing_writer(registry, spec, directory):
        calls.append(directory)
        if len(calls) == 1:  # `train` swaps the checkpoint in while this reader is reading it
            _swap_in_a_copy(directory.parent)
            raise BadInputError(f"cannot load the model saved in {directory}: the file vanished")
        return real(registry, spec, directory)

    monkeypatch.setattr(loading, "load_saved_model", racing_writer)
    loaded = api.load(path, registry=registry)
    assert len(calls) == 2 and loaded.model is not None


def test_a_damaged_checkpoint_that_nobody_is_replacing_fails_at_once(train_run, registry, monkeypatch):
    path = _checkpoint_only_run(train_run)
    damaged = sorted((path / "checkpoints").glob("*/model/*.safetensors"))
    assert damaged
    for weights in damaged:
        weights.write_bytes(weights.read_bytes()[:100])
    calls = []
    real = loading.load_saved_model
    monkeypatch.setattr(loading, "load_saved_model", lambda *args: calls.append(args) or real(*args))
    with pytest.raises(BadInputError, match="safetensors"):
        api.load(path, registry=registry)
    assert len(calls) == 1  # no retry hides real damage


def test_a_reader_never_returns_a_model_read_while_the_checkpoint_kept_changing(train_run, registry, monkeypatch):
    path = _checkpoint_only_run(train_run)
    calls = []
    real = loading.load_saved_model

    def writer_faster_than_the_reader(registry, spec, directory):
        calls.append(directory)
        model = real(registry, spec, directory)  # the read succeeds, but the files changed under it
        _swap_in_a_copy(directory.parent)
        return model

    monkeypatch.setattr(loading, "load_saved_model", writer_faster_than_the_reader)
    with pytest.raises(BadInputError, match="replaced 3 times while it was being read"):
        api.load(path, registry=registry)
    assert len(calls) == 3
