"""Every way a plugin can be broken is reported, and never breaks the other plugins (in process)."""

from __future__ import annotations

import types

import pytest

from openzoo import ModelSpec, Preset, hookimpl
from openzoo.errors import StrictPluginsError, UnknownNameError
from openzoo.plugins import PluginSource, load_registry

BROKEN = {
    "import_error": "failed to import ozfix_import_error: ModuleNotFoundError: No module named 'ozfix_missing_dependency'",
    "hook_raises": "hook openzoo_models raised RuntimeError: the model table is corrupt",
    "misspelled_hook": "implements unknown hook 'openzoo_modles'; did you mean 'openzoo_models'?",
    "wrong_argument": "Argument(s) {'registry'} are declared in the hookimpl but can not be found in the hookspec",
    "incompatible": "requires openzoo<0.0.1 but openzoo",
}


def _record(registry, name):
    return next(r for r in registry.plugins if r.name == name)


@pytest.mark.parametrize("key", sorted(BROKEN), ids=str)
def test_broken_plugin_is_reported_with_its_reason_and_the_good_plugin_still_works(fixture_sources, key):
    registry = load_registry(fixture_sources("good", key), environ={})

    record = _record(registry, f"ozfix_{key}")
    assert record.status == "broken"
    assert any(BROKEN[key] in problem for problem in record.problems), record.problems
    assert record.provides == {}
    assert _record(registry, "ozfix_good").status == "ok"
    assert registry.model("good-model").origin.dist == "ozfix-good"


@pytest.mark.parametrize("key", sorted(BROKEN), ids=str)
def test_strict_mode_turns_a_broken_plugin_into_an_error_naming_it(fixture_sources, key):
    with pytest.raises(StrictPluginsError, match=f"ozfix_{key} \\(ozfix-"):
        load_registry(fixture_sources("good", key), environ={"OPENZOO_STRICT_PLUGINS": "1"})


def test_strict_mode_accepts_healthy_plugins(fixture_sources):
    registry = load_registry(fixture_sources("good"), environ={"OPENZOO_STRICT_PLUGINS": "1"})
    assert registry.problems() == []


def test_a_plugin_whose_hook_raises_contributes_none_of_its_valid_specs(fixture_sources):
    registry = load_registry(fixture_sources("hook_raises"), environ={})
    with pytest.raises(UnknownNameError):
        registry.dataset("raiser-data")


def test_an_incompatible_plugin_is_not_even_imported(fixture_sources):
    imported = []
    source = fixture_sources("incompatible")[0]
    fake = PluginSource(
        name=source.name,
        dist=source.dist,
        version=source.version,
        load=lambda: imported.append(True),
        requires=source.requires,
    )
    registry = load_registry([fake], environ={})
    assert imported == []
    assert "install a release of ozfix-incompatible made for this core" in _record(registry, source.name).problems[0]


def test_requirement_on_openzoo_behind_an_extra_marker_does_not_count(fixture_sources):
    source = fixture_sources("good")[0]
    extra_only = PluginSource(
        name=source.name,
        dist=source.dist,
        version=source.version,
        load=source.load,
        requires=('openzoo<0.0.1; extra == "legacy"', "numpy>=1"),
    )
    assert load_registry([extra_only], environ={}).problems() == []


def test_disabled_plugins_are_listed_as_disabled_and_not_imported(fixture_sources):
    registry = load_registry(
        fixture_sources("good", "import_error"), environ={"OPENZOO_DISABLE_PLUGINS": "ozfix-import-error, ozfix_good"}
    )
    assert [(r.name, r.status) for r in registry.plugins if not r.builtin] == [
        ("ozfix_good", "disabled"),
        ("ozfix_import_error", "disabled"),
    ]
    assert registry.problems() == []
    with pytest.raises(UnknownNameError):
        registry.model("good-model")


def test_disabling_one_of_two_clashing_plugins_makes_the_plain_name_work(fixture_sources):
    registry = load_registry(fixture_sources("twin_a", "twin_b"), disabled=["ozfix-twin-b"], environ={})
    assert registry.model("twin").origin.dist == "ozfix-twin-a"
    assert registry.problems() == []


def _module(name: str, **hooks: object) -> types.ModuleType:
    module = types.ModuleType(name)
    for hook_name, function in hooks.items():
        setattr(module, hook_name, function)
    return module


def _source(module: types.ModuleType, dist: str = "fake-dist") -> PluginSource:
    return PluginSource(name=module.__name__, dist=dist, version="0.1", load=lambda: module)


def _model(name: str = "fake", task: str = "image-classification") -> ModelSpec:
    return ModelSpec(name, task, "A fake model.", "fake_module:Fake", presets=(Preset("tiny", "for tests"),))


def test_a_hook_returning_something_other_than_a_list_of_specs_is_reported():
    module = _module("bad_return", openzoo_models=hookimpl(lambda: [{"name": "x"}]))
    registry = load_registry([_source(module)], environ={})
    assert "hook openzoo_models must return a list of ModelSpec; got an item of type dict" in registry.problems()[0]


def test_a_hook_returning_none_is_reported():
    module = _module("none_return", openzoo_models=hookimpl(lambda: None))
    registry = load_registry([_source(module)], environ={})
    assert "must return a list of ModelSpec; got NoneType" in registry.problems()[0]


def test_a_hook_building_an_invalid_spec_is_reported_with_the_validation_message():
    def openzoo_models():
        return [_model(name="Bad Name")]

    registry = load_registry([_source(_module("invalid_spec", openzoo_models=hookimpl(openzoo_models)))], environ={})
    assert "raised ValueError: invalid model name 'Bad Name'" in registry.problems()[0]


def test_a_plugin_declaring_the_same_name_twice_is_reported():
    module = _module("twice", openzoo_models=hookimpl(lambda: [_model(), _model()]))
    registry = load_registry([_source(module)], environ={})
    assert "declares model 'fake' twice; keep one" in registry.problems()[0]


def test_an_unknown_hook_marked_optional_is_allowed():
    module = _module("optional", openzoo_future_hook=hookimpl(optionalhook=True)(lambda: []))
    registry = load_registry([_source(module)], environ={})
    assert registry.problems() == []


def test_a_hook_function_without_the_marker_is_reported():
    module = _module("unmarked", openzoo_models=lambda: [_model()])
    registry = load_registry([_source(module)], environ={})
    assert "openzoo_models is not marked as a hook implementation" in registry.problems()[0]


def test_a_model_of_a_task_nobody_defines_is_reported_but_stays_listed():
    module = _module("orphan", openzoo_models=hookimpl(lambda: [_model(task="speech-recognition")]))
    registry = load_registry([_source(module)], environ={})
    assert "model 'fake' is for task 'speech-recognition', which no loaded plugin defines" in registry.problems()[0]
    assert registry.model("fake").task == "speech-recognition"


def test_a_plugin_raising_system_exit_on_import_is_reported():
    def load():
        raise SystemExit(3)

    registry = load_registry([PluginSource(name="exits", dist="exits", version="1", load=load)], environ={})
    assert "failed to import: SystemExit: 3" in registry.problems()[0]


def test_two_entry_points_with_the_same_name_report_the_second_one():
    first = _module("same", openzoo_models=hookimpl(lambda: [_model("first")]))
    second = _module("same", openzoo_models=hookimpl(lambda: [_model("second")]))
    registry = load_registry([_source(first, "dist-one"), _source(second, "dist-two")], environ={})
    assert registry.model("first").origin.dist == "dist-one"
    assert "the plugin name 'same' is already taken by dist-one 0.1" in registry.problems()[0]


def test_a_broken_plugin_leaves_the_manager_clean_for_the_next_plugin_of_the_same_name():
    broken = _module("reused", openzoo_models=hookimpl(lambda: 1 / 0))
    good = _module("reused", openzoo_models=hookimpl(lambda: [_model("after")]))
    registry = load_registry([_source(broken, "dist-one"), _source(good, "dist-two")], environ={})
    assert registry.model("after").origin.dist == "dist-two"


def test_the_builtin_plugin_comes_first_and_is_marked_builtin():
    registry = load_registry([], environ={})
    builtin = registry.plugins[0]
    assert (builtin.name, builtin.dist, builtin.builtin, builtin.status) == ("builtin", "openzoo", True, "ok")
    assert registry.device("cpu").origin.builtin


@pytest.mark.parametrize(
    ("line", "compatible"),
    [
        ("openzoo>=0.1", True),
        ("openzoo>=0.1,<0.2", True),
        ("openzoo<0.0.1", False),
        ("openzoo (>=99)", False),
        ("OpenZoo[dev]>=99", False),
        ("openzoo_core>=99", True),  # another distribution
        ('openzoo>=99; python_version < "3"', True),  # marker false: the requirement does not apply
        ('openzoo>=99; python_version >= "3"', False),
        ("openzoo", True),
        ("openzoo>=not-a-version", True),  # invalid: pip would not have installed it
    ],
    ids=repr,
)
def test_the_openzoo_requirement_is_read_from_requires_dist(line, compatible):
    source = PluginSource(name="p", dist="p", version="1", load=lambda: _module("p"), requires=(line,))
    assert (load_registry([source], environ={}).problems() == []) is compatible


def test_a_hook_calling_sys_exit_is_a_broken_plugin_not_the_end_of_the_process(fixture_sources):
    def openzoo_models():
        raise SystemExit(0)

    module = _module("exits_in_hook", openzoo_models=hookimpl(openzoo_models))
    registry = load_registry([*fixture_sources("good"), _source(module)], environ={})
    assert _record(registry, "exits_in_hook").status == "broken"
    assert "hook openzoo_models raised SystemExit: 0" in registry.problems()[0]
    assert registry.model("good-model").origin.dist == "ozfix-good"


def test_a_plugin_exiting_at_import_is_reported_as_having_called_sys_exit():
    def load():
        raise SystemExit("bye")

    registry = load_registry([PluginSource(name="exits", dist="exits", version="1", load=load)], environ={})
    assert "failed to import: SystemExit: bye (it called sys.exit)" in registry.problems()[0]


def test_what_a_plugin_prints_while_loading_goes_to_stderr(capsys):
    def load():
        print("hello from import")
        return _module("chatty", openzoo_models=hookimpl(lambda: print("hello from hook") or [_model()]))

    registry = load_registry([PluginSource(name="chatty", dist="chatty", version="1", load=load)], environ={})
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "hello from import\nhello from hook\n" in captured.err
    assert registry.model("fake").origin.dist == "chatty"


def test_a_lazy_reference_that_prints_or_exits_at_import_is_contained(tmp_path, monkeypatch, capsys):
    from openzoo.errors import PluginError
    from openzoo.plugins import resolve_reference

    (tmp_path / "oz_prints_on_use.py").write_text("print('loud')\nVALUE = 7\n")
    (tmp_path / "oz_exits_on_use.py").write_text("import sys\nsys.exit(4)\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert resolve_reference("oz_prints_on_use:VALUE") == 7
    assert capsys.readouterr().out == ""
    with pytest.raises(PluginError, match=r"cannot import 'oz_exits_on_use' .*SystemExit: 4"):
        resolve_reference("oz_exits_on_use:VALUE", owner="dist:thing")


class FakeClock:
    """A clock that only moves when a test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _timed_source(name: str, clock: FakeClock, seconds: float) -> PluginSource:
    module = _module(name, openzoo_models=hookimpl(lambda: [_model(name.replace("_", "-"))]))

    def load() -> types.ModuleType:
        clock.now += seconds
        return module

    return PluginSource(name=name, dist=name, version="1", load=load)


def test_each_plugins_import_time_is_recorded_and_slow_ones_are_flagged():
    clock = FakeClock()
    sources = [_timed_source("quick", clock, 0.25), _timed_source("sluggish", clock, 2.5)]
    registry = load_registry(sources, environ={}, clock=clock, slow_after=1.0)
    builtin, quick, sluggish = registry.plugins
    assert (builtin.import_seconds, builtin.slow) == (0.0, False)
    assert (quick.import_seconds, quick.slow) == (0.25, False)
    assert (sluggish.import_seconds, sluggish.slow) == (2.5, True)
    assert sluggish.status == "ok" and registry.problems() == []  # slow is a warning, never an error


def test_the_slow_threshold_is_a_parameter():
    clock = FakeClock()
    registry = load_registry([_timed_source("quick", clock, 0.25)], environ={}, clock=clock, slow_after=0.1)
    assert _record(registry, "quick").slow


def test_plugins_not_imported_have_no_import_time(fixture_sources):
    registry = load_registry(fixture_sources("incompatible"), environ={"OPENZOO_DISABLE_PLUGINS": "nothing"})
    assert _record(registry, "ozfix_incompatible").import_seconds is None
