"""The pytest front end: one parametrized test per check and component.

In a plugin's ``tests/test_conformance.py``::

    from openzoo.conformance import parametrize_with_checks

    @parametrize_with_checks("my-plugin")
    def test_conformance(conformance_check):
        conformance_check()

Ids read ``model:my-arch::check_model_forward_outputs(preset=tiny)``; waived checks
are strict ``xfail``; checks the environment cannot run are skipped with the reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from openzoo.plugins import Registry

__all__ = ["parametrize_with_checks"]


class _PytestCheck:
    """A planned check that turns ``CheckSkipped`` into ``pytest.skip``."""

    def __init__(self, planned: Any) -> None:
        self.planned = planned

    def __call__(self) -> Any:
        import pytest

        from openzoo.conformance.declaration import CheckSkipped

        try:
            return self.planned()
        except CheckSkipped as exc:
            pytest.skip(f"{self.planned.check_id}: {exc}")

    def __repr__(self) -> str:
        return self.planned.test_id


def parametrize_with_checks(
    plugin_or_specs: str | Sequence[Any],
    *,
    registry: Registry | None = None,
    device: str = "cpu",
    select: Sequence[str] = (),
    deselect: Sequence[str] = (),
    level: str | None = None,
    argname: str = "conformance_check",
) -> Any:
    """Return a ``pytest.mark.parametrize`` over every check of a plugin (or of some specs).

    :param plugin_or_specs: a plugin's entry-point or distribution name, or a list of specs.
    :param registry: the registry to use; ``None`` loads the installed plugins.
    :param device: the device model and metric device checks run on.
    """
    import pytest

    from openzoo.conformance.runner import plan

    planned = plan(plugin_or_specs, registry=registry, device=device, select=select, deselect=deselect, level=level)
    params = []
    for item in planned:
        marks = [pytest.mark.xfail(strict=True, reason=item.waiver)] if item.waiver else []
        params.append(pytest.param(_PytestCheck(item), id=item.test_id, marks=marks))
    return pytest.mark.parametrize(argname, params)
