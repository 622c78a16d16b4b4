"""One writer per run directory: an OS lock that a second writer respects and a killed writer cannot leave stale."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

import pytest
from safetensors.torch import load_file

from openzoo.engine import api
from openzoo.engine.runlock import LOCK_FILE, RunDirInUseError, RunLock, lock_holder

TRAIN = ("train", "ozmlp.tiny", "-d", "toy-images", "-o", "dataset.size=60", "--epochs", "2", "--quiet")


def test_a_second_lock_on_the_same_run_directory_names_the_holder(tmp_path):
    with RunLock(tmp_path):
        holder = lock_holder(tmp_path)
        assert holder is not None and holder.pid == os.getpid() and holder.started
        with pytest.raises(RunDirInUseError, match=rf"run directory {tmp_path} is in use by process {os.getpid()} "):
            RunLock(tmp_path).acquire()
    assert lock_holder(tmp_path) is None
    assert not (tmp_path / LOCK_FILE).exists()  # a writer that finishes leaves no lock file
    with RunLock(tmp_path):  # and the next writer gets the lock
        pass


def test_a_lock_file_left_by_a_killed_writer_blocks_nobody(tmp_path):
    holder = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(f"""
            import sys, time
            from openzoo.engine.runlock import RunLock
            RunLock({str(tmp_path)!r}).acquire()
            print("locked", flush=True)
            time.sleep(600)
        """)],
        stdout=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == "locked"
        assert lock_holder(tmp_path).pid == holder.pid
        with pytest.raises(RunDirInUseError, match=f"in use by process {holder.pid}"):
            RunLock(tmp_path).acquire()
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    assert (tmp_path / LOCK_FILE).exists()  # kill -9 leaves the file behind ...
    assert lock_holder(tmp_path) is None  # ... but the operating system released the lock
    with RunLock(tmp_path):
        assert lock_holder(tmp_path).pid == os.getpid()


@pytest.mark.slow
def test_two_concurrent_trainings_into_one_directory_one_refused_the_other_completes(tmp_path, cli_env, cli_process):
    out, go = tmp_path / "run", tmp_path / "go"
    first = cli_process.start_openzoo(*TRAIN, "--out", str(out), env=cli_env, patches={"pause-first-forward": str(go)})
    try:
        # Once the first writer waits in its first forward, it holds the lock and has written all it
        # writes before the first step (config.json, status.json), so the directory stands still.
        cli_process.wait_until(lambda: (tmp_path / "go.waiting").exists(), first)
        assert lock_holder(out).pid == first.pid
        before = cli_process.files_of(out)
        second = cli_process.run_openzoo(*TRAIN, "--out", str(out), env=cli_env)
        resume = cli_process.run_openzoo("train", "--resume", str(out), env=cli_env)
        assert cli_process.files_of(out) == before  # the refused writers touched nothing
    finally:
        go.touch()
        _, stderr = first.communicate(timeout=600)
    assert second.returncode == 2, second.stderr
    assert f"run directory {out} is in use by process {first.pid} (started " in second.stderr
    assert "Traceback" not in second.stderr
    assert resume.returncode == 2 and f"is in use by process {first.pid}" in resume.stderr
    assert first.returncode == 0, stderr
    assert {"config.json", "metrics.jsonl", "model/model.safetensors"} <= set(cli_process.files_of(out))
    assert load_file(str(out / "model/model.safetensors"))
    assert not (out / LOCK_FILE).exists()


def test_a_finished_run_is_not_locked_and_resumes(train_run, registry):
    run = train_run(epochs=1)
    assert lock_holder(run.path) is None
    assert api.train(resume=run.path, quiet=True, registry=registry).steps == run.steps


def test_training_into_a_locked_directory_is_refused_before_anything_is_written(train_run, registry, tmp_path):
    run = train_run(epochs=1)
    before = {p: p.read_bytes() for p in run.path.rglob("*") if p.is_file()}
    with RunLock(run.path):
        with pytest.raises(RunDirInUseError, match=f"in use by process {os.getpid()}"):
            api.train(resume=run.path, quiet=True, registry=registry)
        empty = tmp_path / "empty"
        empty.mkdir()
        with RunLock(empty):
            with pytest.raises(RunDirInUseError):
                train_run("empty", epochs=1)
            assert list(empty.iterdir()) == [empty / LOCK_FILE]  # the refused run wrote nothing
    assert {p: p.read_bytes() for p in run.path.rglob("*") if p.is_file()} == before


def test_evaluate_and_predict_read_a_run_while_a_writer_holds_its_lock(train_run, registry):
    run = train_run(epochs=1)
    with RunLock(run.path):  # as while `train --resume` runs
        assert set(api.evaluate(run.path, split="validation", registry=registry)) == {"accuracy", "f1_macro"}
        assert lock_holder(run.path).pid == os.getpid()
