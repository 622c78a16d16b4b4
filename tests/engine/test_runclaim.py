"""A run stopped while it claims its directory (SIGTERM, Ctrl-C, an error) leaves no new directory behind.

``openzoo train --out DIR`` creates DIR, locks it and checks it is still empty before training starts. An
interruption anywhere in that stretch (SIGTERM raises :class:`Terminated` there) removes the directory this
claim created, so the same ``--out`` works again; a directory it did not create (an existing empty ``--out``,
a resumed run, one another process took over) stays. The interruptions are raised directly: no signals, no timing.
"""

from __future__ import annotations

import pytest

import openzoo.engine.runclaim as runclaim
from openzoo.engine.distributed import Distributed
from openzoo.engine.interrupt import Terminated
from openzoo.engine.runclaim import claim_run_directory
from openzoo.engine.rundir import RunDir
from openzoo.engine.runlock import LOCK_FILE, RunDirInUseError, RunLock, lock_holder
from openzoo.errors import BadInputError

SINGLE = Distributed()


def interrupt_with(error: BaseException):
    def interrupt(*args, **kwargs):
        raise error

    return interrupt


def claim(path, *, fresh: bool = True) -> None:
    with claim_run_directory(RunDir(path), SINGLE, fresh=fresh):
        pytest.fail("the run started although its claim was interrupted")


def after_mkdir(monkeypatch, then) -> None:
    """Make the claim's mkdir succeed and then call ``then(path)`` before ``_create`` returns."""
    make = runclaim._make_directory

    def make_then(path):
        make(path)
        then(path)

    monkeypatch.setattr(runclaim, "_make_directory", make_then)


def claim_and_start(out) -> None:
    with claim_run_directory(RunDir(out), SINGLE, fresh=True):
        assert lock_holder(out) is not None
    assert out.is_dir() and not (out / LOCK_FILE).exists()


@pytest.mark.parametrize("stop", [Terminated, KeyboardInterrupt], ids=["sigterm", "ctrl-c"])
@pytest.mark.parametrize(
    "where", ["acquire", "check", "broadcast", "right-after-mkdir"], ids=lambda where: f"at-{where}"
)
def test_an_interrupted_claim_removes_the_directory_it_created(monkeypatch, tmp_path, stop, where):
    out, error = tmp_path / "new" / "run", stop()
    if where == "acquire":
        monkeypatch.setattr(RunLock, "acquire", interrupt_with(error))
    elif where == "check":
        monkeypatch.setattr(runclaim, "_check_still_empty", interrupt_with(error))
    elif where == "broadcast":
        monkeypatch.setattr(Distributed, "broadcast_object", interrupt_with(error))
    else:
        after_mkdir(monkeypatch, interrupt_with(error))
    with pytest.raises(type(error)) as raised:
        claim(out)
    assert raised.value is error
    assert not out.exists()
    assert (tmp_path / "new").is_dir()  # as after a failed run: only the run directory itself is removed
    monkeypatch.undo()
    claim_and_start(out)  # the same --out works again


def test_a_refused_claim_removes_the_directory_it_created(monkeypatch, tmp_path):
    out = tmp_path / "run"
    monkeypatch.setattr(Distributed, "broadcast_object", interrupt_with(RuntimeError("broadcast failed")))
    with pytest.raises(RuntimeError, match="broadcast failed"):
        claim(out)
    assert not out.exists()


@pytest.mark.parametrize("where", ["check", "broadcast"])
def test_an_interrupted_claim_of_an_existing_empty_directory_keeps_it_empty(monkeypatch, tmp_path, where):
    out = tmp_path / "run"
    out.mkdir()
    if where == "check":
        monkeypatch.setattr(runclaim, "_check_still_empty", interrupt_with(Terminated()))
    else:
        monkeypatch.setattr(Distributed, "broadcast_object", interrupt_with(Terminated()))
    with pytest.raises(Terminated):
        claim(out)
    assert out.is_dir() and list(out.iterdir()) == []  # the lock it took is gone with it
    assert lock_holder(out) is None


def test_a_claim_refused_by_a_process_that_took_over_its_new_directory_keeps_what_that_process_wrote(
    monkeypatch, tmp_path
):
    out = tmp_path / "run"
    other, acquire = RunLock(out), RunLock.acquire

    def taken_over(path):  # another `train --out` found it existing (and empty), locked it and wrote
        acquire(other)
        (path / "config.json").write_text("{}")

    def busy(lock):  # what acquire raises once its grace period is over, without waiting for it
        raise RunDirInUseError(out, lock_holder(out))

    after_mkdir(monkeypatch, taken_over)
    monkeypatch.setattr(RunLock, "acquire", busy)
    try:
        with pytest.raises(RunDirInUseError):
            claim(out)
        assert (out / "config.json").read_text() == "{}" and (out / LOCK_FILE).is_file()
        assert lock_holder(out) is not None
    finally:
        other.release()


def test_a_claim_whose_new_directory_was_written_first_keeps_what_was_written(monkeypatch, tmp_path):
    out = tmp_path / "run"
    after_mkdir(monkeypatch, lambda path: (path / "config.json").write_text("{}"))
    with pytest.raises(BadInputError, match="another run wrote it first"):
        claim(out)
    assert sorted(entry.name for entry in out.iterdir()) == ["config.json"]


@pytest.mark.parametrize("stop", [Terminated, KeyboardInterrupt], ids=["sigterm", "ctrl-c"])
def test_an_interrupted_claim_of_a_resumed_run_leaves_the_run_as_it_was(monkeypatch, tmp_path, stop):
    out = tmp_path / "run"
    (out / "checkpoints").mkdir(parents=True)
    (out / "config.json").write_text("{}")
    monkeypatch.setattr(Distributed, "broadcast_object", interrupt_with(stop()))
    with pytest.raises(stop):
        claim(out, fresh=False)
    assert sorted(entry.name for entry in out.iterdir()) == ["checkpoints", "config.json"]
    assert lock_holder(out) is None
