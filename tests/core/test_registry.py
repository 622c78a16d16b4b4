"""Registry lookups: natural order, patterns, tasks, dist:name, clashes, suggestions and lazy resolution."""

from __future__ import annotations

import sys
import types

import pytest

from openzoo import DatasetSpec, ModelSpec, Preset, hookimpl
from openzoo.errors import BadInputError, PluginError, UnknownNameError
from openzoo.plugins import PluginSource, load_registry, spec_summary, split_model_name


def _model(name: str, task: str = "image-classification", factory: str = "fake_module:Fake") -> ModelSpec:
    return ModelSpec(name, task, f"Model {name}. More words.", factory, presets=(Preset("tiny", "for tests"),))


def _plugin(name: str, dist: str, *models: ModelSpec, version: str = "1.0") -> PluginSource:
    module = types.ModuleType(name)
    module.openzoo_models = hookimpl(lambda: list(models))
    return PluginSource(name=name, dist=dist, version=version, load=lambda: module)


@pytest.fixture
def registry():
    return load_registry(
        [
            _plugin(
                "zoo",
                "Zoo_Models",
                _model("gpt10", "text-generation"),
                _model("gpt2", "text-generation"),
                _model("gpt1", "text-generation"),
                _model("vit"),
                _model("resnet"),
            )
        ],
        environ={},
    )


def test_listing_sorts_names_naturally(registry):
    assert [s.name for s in registry.list("models")] == ["gpt1", "gpt2", "gpt10", "resnet", "vit"]
    assert registry.names("models") == ["gpt1", "gpt2", "gpt10", "resnet", "vit"]


def test_listing_filters_with_shell_style_patterns(registry):
    assert [s.name for s in registry.list("models", pattern="gpt?")] == ["gpt1", "gpt2"]
    assert [s.name for s in registry.list("models", pattern="*it")] == ["vit"]
    assert [s.name for s in registry.list("models", pattern="[rv]*")] == ["resnet", "vit"]


def test_listing_filters_by_task(registry):
    assert [s.name for s in registry.list("models", task="image-classification")] == ["resnet", "vit"]
    assert [s.name for s in registry.list("metrics", task="text-generation")] == ["bits_per_char", "perplexity"]
    assert [s.name for s in registry.list("devices", task="text-generation")] == ["cpu", "cuda", "mps"]


def test_listing_by_an_unknown_task_suggests_the_close_one(registry):
    with pytest.raises(UnknownNameError, match=r"unknown task 'text-generaton'\. Did you mean 'text-generation'\?"):
        registry.list("models", task="text-generaton")


def test_an_unknown_kind_suggests_the_close_one(registry):
    with pytest.raises(UnknownNameError, match=r"Did you mean 'models'\?"):
        registry.list("modles")


def test_an_unknown_name_suggests_close_matches_and_lists_what_is_available(registry):
    with pytest.raises(UnknownNameError) as caught:
        registry.model("vitt")
    message = str(caught.value)
    assert message.startswith("unknown model 'vitt'. Did you mean 'vit'?")
    assert "Available models: gpt1, gpt10, gpt2, resnet, vit." in message
    assert caught.value.suggestions == ["vit"]


def test_an_unknown_name_points_at_broken_plugins_when_there_are_some():
    def load():
        raise ImportError("boom")

    registry = load_registry([PluginSource("broken", "broken-dist", "1", load)], environ={})
    with pytest.raises(UnknownNameError, match=r"1 plugin\(s\) are broken; run 'openzoo plugins' to see why"):
        registry.model("anything")


def test_dist_colon_name_selects_a_component_and_normalises_the_distribution_name(registry):
    assert registry.model("zoo-models:vit").name == "vit"
    assert registry.model("ZOO_models:vit").origin.dist == "Zoo_Models"


def test_dist_colon_name_with_an_unknown_name_suggests_names_of_that_distribution(registry):
    with pytest.raises(UnknownNameError, match=r"unknown Zoo_Models model 'vti'\. Did you mean 'vit'\?"):
        registry.model("zoo-models:vti")


def test_dist_colon_name_with_an_unknown_distribution_suggests_distributions(registry):
    with pytest.raises(UnknownNameError, match=r"unknown model distribution 'zoo-modle'\. Did you mean 'zoo-models'\?"):
        registry.model("zoo-modle:vit")


@pytest.fixture
def clashing():
    return load_registry(
        [
            _plugin("one", "dist-one", _model("twin"), version="1.0"),
            _plugin("two", "dist-two", _model("twin"), version="2.5"),
        ],
        environ={},
    )


def test_a_clashing_name_is_unavailable_plainly_and_the_error_names_both_origins_and_choices(clashing):
    with pytest.raises(
        BadInputError,
        match=r"model 'twin' is provided by several plugins \(dist-one 1.0, dist-two 2.5\); "
        r"select one with 'dist-one:twin' or 'dist-two:twin'",
    ):
        clashing.model("twin")


def test_each_clashing_component_is_selectable_as_dist_colon_name(clashing):
    assert clashing.model("dist-one:twin").origin.version == "1.0"
    assert clashing.model("dist-two:twin").origin.version == "2.5"


def test_the_clash_is_reported_on_both_plugins_naming_the_other_origin_without_breaking_either(clashing):
    one, two = (r for r in clashing.plugins if not r.builtin)
    assert one.status == two.status == "ok"
    assert "model 'twin' is also provided by dist-two 2.5" in one.problems[0]
    assert "model 'twin' is also provided by dist-one 1.0" in two.problems[0]
    assert "select one with 'dist-one:twin' or 'dist-two:twin', or uninstall one of the plugins" in one.problems[0]
    assert clashing.problems() == [f"{r.name} ({r.dist} {r.version}): {r.problems[0]}" for r in (one, two)]


def test_a_later_plugin_with_the_same_name_leaves_the_first_ones_other_components_usable():
    registry = load_registry(
        [
            _plugin("one", "dist-one", _model("twin"), _model("solo"), version="1.0"),
            _plugin("two", "dist-two", _model("twin"), version="2.5"),
        ],
        environ={},
    )
    assert registry.model("solo").origin.dist == "dist-one"
    assert registry.model("dist-one:twin").origin.dist == "dist-one"


def test_clashing_names_are_listed_once_per_provider_in_qualified_form(clashing):
    assert clashing.names("models") == ["dist-one:twin", "dist-two:twin"]
    assert [s.origin.dist for s in clashing.list("models")] == ["dist-one", "dist-two"]
    assert [s.origin.dist for _, s in clashing.find("twin")] == ["dist-one", "dist-two"]


def test_the_same_name_in_two_kinds_is_not_a_clash():
    module = types.ModuleType("both")
    module.openzoo_models = hookimpl(lambda: [_model("digits")])
    module.openzoo_datasets = hookimpl(
        lambda: [DatasetSpec("digits", "image-classification", "Digits.", "fake_module:load")]
    )
    registry = load_registry([PluginSource("both", "both", "1", lambda: module)], environ={})
    assert registry.problems() == []
    assert [kind for kind, _ in registry.find("digits")] == ["models", "datasets"]


def test_every_spec_records_the_distribution_version_and_entry_point_it_came_from(registry):
    origin = registry.model("vit").origin
    assert (origin.dist, origin.version, origin.plugin, origin.builtin) == ("Zoo_Models", "1.0", "zoo", False)


def test_resolve_imports_the_reference_once_and_caches_it(monkeypatch):
    module = types.ModuleType("ozfix_lazy_target")
    module.Fake = object()
    monkeypatch.setitem(sys.modules, "ozfix_lazy_target", module)
    registry = load_registry([_plugin("lazy", "lazy", _model("lazy", factory="ozfix_lazy_target:Fake"))], environ={})
    spec = registry.model("lazy")
    assert registry.resolve(spec) is module.Fake
    monkeypatch.delitem(sys.modules, "ozfix_lazy_target")
    assert registry.resolve(spec) is module.Fake  # cached: not imported again


def test_resolve_names_the_component_when_the_module_does_not_import():
    registry = load_registry([_plugin("lazy", "lazy-dist", _model("lazy", factory="ozfix_not_there:Fake"))], environ={})
    with pytest.raises(PluginError, match=r"lazy-dist:lazy: cannot import 'ozfix_not_there'"):
        registry.resolve(registry.model("lazy"))


def test_resolve_names_a_missing_attribute(monkeypatch):
    monkeypatch.setitem(sys.modules, "ozfix_empty", types.ModuleType("ozfix_empty"))
    registry = load_registry([_plugin("lazy", "lazy-dist", _model("lazy", factory="ozfix_empty:Missing"))], environ={})
    with pytest.raises(PluginError, match=r"module 'ozfix_empty' has no attribute 'Missing'"):
        registry.resolve(registry.model("lazy"))


def test_loading_a_registry_resolves_no_reference(registry):
    assert "fake_module" not in sys.modules


def test_split_model_name_separates_the_preset_tag():
    assert split_model_name("vit.tiny") == ("vit", "tiny")
    assert split_model_name("vit") == ("vit", None)
    assert split_model_name("vit.") == ("vit", None)


@pytest.mark.parametrize(
    ("description", "summary"),
    [
        ("One sentence.", "One sentence"),
        ("First sentence. Second one.", "First sentence"),
        ("NCF (GMF + MLP, He et al. 2017) for ratings. More.", "NCF (GMF + MLP, He et al. 2017) for ratings"),
        ("Version 2.5 of the model", "Version 2.5 of the model"),
        ("Is it good? Yes.", "Is it good?"),
        ("Spread\n   over lines. Next.", "Spread over lines"),
    ],
    ids=["single", "two", "parenthesised-abbreviation", "decimal", "question", "multiline"],
)
def test_spec_summary_is_the_first_sentence(description, summary):
    assert spec_summary(_model_with_description(description)) == summary


def _model_with_description(description: str) -> ModelSpec:
    return ModelSpec("m", "image-classification", description, "a:b", presets=(Preset("tiny", "t"),))
