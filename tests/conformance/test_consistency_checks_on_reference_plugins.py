"""The consistency checks that need a recommender or an image model, on the reference plugins and planted copies.

The fixture plugins are text models; the ranking and image-encoding checks are
exercised here on the installed reference plugins (which must pass) and on their
models with one planted defect each (``fixtures/ozmore/reference_defects.py``), which
must fail with a message naming the cause.
"""

from __future__ import annotations

import dataclasses

import pytest

from openzoo.conformance.consistency_checks import (
    check_model_image_encodings_give_the_same_prediction,
    check_model_ranking_scores_agree_with_pair_scores,
    check_model_sixteen_bit_image_agrees_with_eight_bit,
    check_model_transparent_image_encodings_agree,
)
from openzoo.conformance.declaration import ConformanceError
from openzoo.conformance.subjects import ModelSubject
from openzoo.plugins import load_registry
from openzoo.plugins._discovery import entry_point_sources

pytest.importorskip("openzoo_recsys")
pytest.importorskip("openzoo_vit")

#: (model, check, planted factory, words the message must contain)
CASES = [
    (
        "mf",
        check_model_ranking_scores_agree_with_pair_scores,
        "ozmore.reference_defects:TimesBiasMF",
        "but ranking scores",
    ),
    (
        "vit",
        check_model_image_encodings_give_the_same_prediction,
        "ozmore.reference_defects:OneChannelRefusingViT",
        "grayscale image as an H x W x 1 uint8 array: BadInputError",
    ),
    (
        "vit",
        check_model_transparent_image_encodings_agree,
        "ozmore.reference_defects:AlphaDroppingViT",
        "a PIL 'RGBA' image hiding other colours under its transparent pixels gave",
    ),
    (
        "vit",
        check_model_sixteen_bit_image_agrees_with_eight_bit,
        "ozmore.reference_defects:SixteenBitClippingViT",
        "a PIL 'I;16' image of the same levels gave",
    ),
]


#: The reference distributions the cases use (the fixture distributions, on sys.path in this
#: directory, would clash over the task names).
REFERENCE = {"openzoo-recsys", "openzoo-vit"}


@pytest.fixture(scope="module")
def registry():
    sources = [s for s in entry_point_sources() if s.dist in REFERENCE]
    return load_registry(sources, environ={})


def _subject(registry, model: str, factory: str | None = None) -> ModelSubject:
    spec = registry.model(model)
    if factory is not None:
        spec = dataclasses.replace(spec, factory=factory)
    return ModelSubject(spec, registry=registry)


@pytest.mark.parametrize(("model", "check", "planted", "cause"), CASES, ids=[f"{c[0]}-{c[1].__name__}" for c in CASES])
def test_reference_model_passes_the_check(registry, model, check, planted, cause):
    check(_subject(registry, model), preset="tiny")


@pytest.mark.parametrize(("model", "check", "planted", "cause"), CASES, ids=[f"{c[0]}-{c[1].__name__}" for c in CASES])
def test_planted_defect_fails_the_check_naming_the_cause(registry, fixture_path, model, check, planted, cause):
    with pytest.raises(ConformanceError) as failure:
        check(_subject(registry, model, planted), preset="tiny")
    assert cause in str(failure.value)
