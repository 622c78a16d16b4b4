"""Resources the machine refuses (disk, permission, memory) and unreadable input are named, with what to do.

Each gives exit code 2 with a message instead of "this is a bug", and leaves a run directory the next
command can use: a failed start removes what it created, a failed run keeps its last good checkpoint.
"""

from __future__ import annotations

import errno
import json
import os
import subprocess

import pytest
import torch

from openzoo.engine.checkpoint import load_trainer_state
from openzoo.engine.failures import ResourceError
from openzoo.errors import BadInputError

TRAIN = ("train", "ozmlp.tiny", "-d", "toy-images", "-o", "dataset.size=60", "--quiet")


def last_step(run_path) -> int:
    return json.loads((run_path / "checkpoints/last/state.json").read_text())["step"]


@pytest.mark.slow
def test_a_full_disk_is_named_and_the_previous_checkpoint_stays_intact_and_resumable(tmp_path, cli_env, cli_process):
    out = tmp_path / "run"
    flags = ("--max-steps", "6", "--eval-every", "2", "--out", str(out))
    done = cli_process.run_openzoo(*TRAIN, *flags, env=cli_env, patches={"enospc-at-checkpoint": "2"})
    assert done.returncode == 2, done.stderr
    assert "the disk is full (No space left on device: " in done.stderr and "free some space" in done.stderr
    assert f"The last good checkpoint (step 2) is kept in {out / 'checkpoints'}" in done.stderr
    assert "bug" not in done.stderr and "Traceback" not in done.stderr
    assert last_step(out) == 2
    assert load_trainer_state(out / "checkpoints/last")[0]["step"] == 2
    assert not [p for p in (out / "checkpoints").iterdir() if p.name.startswith(".")]  # no half-written copy
    resumed = cli_process.run_openzoo("train", "--resume", str(out), "--quiet", env=cli_env)
    assert resumed.returncode == 0, resumed.stderr
    assert last_step(out) == 6


@pytest.mark.parametrize(
    ("code", "message"),
    [
        (errno.ENOSPC, "the disk is full"),
        (errno.EROFS, "the file system is read-only"),
        (errno.EACCES, "permission denied"),
    ],
    ids=["ENOSPC", "EROFS", "EACCES"],
)
def test_a_refused_checkpoint_write_keeps_the_previous_checkpoint(train_run, monkeypatch, tmp_path, code, message):
    import openzoo.engine.loop as loop

    write, calls = loop.write_checkpoint, []

    def failing_write(directory, **kwargs):
        calls.append(directory)
        if len(calls) == 2:
            raise OSError(code, os.strerror(code), str(directory))
        return write(directory, **kwargs)

    monkeypatch.setattr(loop, "write_checkpoint", failing_write)
    with pytest.raises(ResourceError, match=message) as caught:
        train_run(max_steps=6, eval_every=2)
    assert "The last good checkpoint (step 2) is kept" in str(caught.value)
    assert last_step(tmp_path / "run") == 2


@pytest.mark.parametrize(
    ("error", "message"),
    [
        (lambda: torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB"), "out of device memory"),
        (MemoryError, "out of memory \\(CPU RAM\\)"),
    ],
    ids=["cuda-oom", "cpu-memory-error"],
)
def test_running_out_of_memory_is_named_and_a_run_without_checkpoint_is_removed(
    train_run, monkeypatch, tmp_path, error, message
):
    from ozengine.model import MLPModule

    def forward(self, *args, **kwargs):
        raise error()

    monkeypatch.setattr(MLPModule, "forward", forward)
    with pytest.raises(ResourceError, match=message) as caught:
        train_run(epochs=1)
    assert "--batch-size" in str(caught.value) and "was removed" in str(caught.value)
    assert not (tmp_path / "run").exists()
    monkeypatch.undo()
    assert train_run(epochs=1).steps > 0  # the same --out works again


def test_out_of_memory_mid_run_keeps_the_last_checkpoint(train_run, monkeypatch, tmp_path):
    from ozengine.model import MLPModule

    original, calls = MLPModule.forward, {"n": 0}

    def forward(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 5:
            raise torch.OutOfMemoryError("CUDA out of memory")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(MLPModule, "forward", forward)
    with pytest.raises(ResourceError, match=r"out of device memory.*last good checkpoint \(step 2\) is kept"):
        train_run(max_steps=6, eval_every=2)
    assert last_step(tmp_path / "run") == 2


def test_out_under_a_file_is_refused_before_anything_is_written(invoke, tmp_path):
    blocker = tmp_path / "notes.txt"
    blocker.write_text("mine")
    result = invoke(*TRAIN, "--out", str(blocker / "run"))
    assert result.exit_code == 2 and f"is under {blocker}, which is a file" in result.output
    result = invoke(*TRAIN, "--out", str(blocker))
    assert result.exit_code == 2 and f"--out {blocker} is a file, not a directory" in result.output
    assert blocker.read_text() == "mine"


def test_out_where_directories_cannot_be_created_is_refused(train_run, monkeypatch, tmp_path):
    import openzoo.engine.training as training

    monkeypatch.setattr(training.os, "access", lambda path, mode: False)
    with pytest.raises(BadInputError, match="permission denied, cannot create directories in"):
        train_run()
    assert not (tmp_path / "run").exists()


def test_a_refused_mkdir_of_the_run_directory_is_named(train_run, monkeypatch, tmp_path):
    import openzoo.engine.runclaim as runclaim

    def refuse(path):
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))

    monkeypatch.setattr(runclaim, "_make_directory", refuse)
    with pytest.raises(ResourceError, match=f"cannot create run directory {tmp_path / 'run'}: permission denied"):
        train_run()


def test_running_out_of_memory_in_predict_is_named_by_the_cli(invoke, train_run, monkeypatch):
    from ozengine.model import OzMLP

    run = train_run(epochs=1)

    def predict(self, inputs, top_k=2):
        raise MemoryError

    monkeypatch.setattr(OzMLP, "predict", predict)
    result = invoke("predict", str(run.path), "x.png")
    assert result.exit_code == 2, result.output
    assert "out of memory (CPU RAM)" in result.output and "bug" not in result.output


@pytest.mark.slow
def test_text_that_is_not_utf8_is_refused_with_the_byte(tmp_path, cli_env, cli_process):
    out = tmp_path / "echo"
    trained = cli_process.run_openzoo(
        "train", "ozecho", "-d", "toy-text", "--max-steps", "1", "--quiet", "--out", str(out), env=cli_env
    )
    assert trained.returncode == 0, trained.stderr
    for flags, what in ((("--json", "ok"), "input 2"), ((), "the prompt")):  # predicted as a list, and streamed
        command = [os.fsencode(part) for part in cli_process.openzoo_command("predict", str(out), *flags)]
        done = subprocess.run([*command, b"caf\xe9"], env=cli_env, capture_output=True, timeout=300, check=False)
        stderr = done.stderr.decode("utf-8", "replace")
        assert done.returncode == 2, stderr
        assert f"{what} is not valid UTF-8 text (byte 0xe9 at position 3)" in stderr and "Traceback" not in stderr
        assert not done.stdout  # refused before anything was printed


def test_a_plugin_failing_mid_run_says_the_last_checkpoint_is_kept(train_run, monkeypatch, tmp_path):
    from ozengine.model import MLPModule

    from openzoo.errors import PluginError

    original, calls = MLPModule.forward, {"n": 0}

    def forward(self, *args, **kwargs):
        calls["n"] += 1
        return {"logits": None} if calls["n"] == 5 else original(self, *args, **kwargs)  # no loss

    monkeypatch.setattr(MLPModule, "forward", forward)
    with pytest.raises(PluginError, match=r"returned no 'loss'.*The last good checkpoint \(step 2\) is kept"):
        train_run(max_steps=6, eval_every=2)
    assert last_step(tmp_path / "run") == 2
