"""The check of a component's declared expected failures (waivers)."""

from __future__ import annotations

from typing import Any

from openzoo.conformance.declaration import check, fail, info_of

__all__ = ["check_plugin_expected_failures_are_valid", "waiver_problems"]


def waiver_problems(subject: Any) -> list[str]:
    """Return what is wrong with ``subject``'s expected failures (empty when every waiver is valid)."""
    from openzoo.conformance.catalogue import check_id, checks_for

    planned = {check_id(c): info_of(c) for c in checks_for(subject, with_waiver_check=False)}
    by_name = {info.name: info for info in planned.values()}
    problems = []
    for waived, reason in subject.expected_failures.items():
        info = planned.get(waived) or by_name.get(waived)
        if info is None:
            problems.append(f"{waived!r} names no check that applies to this component")
        elif info.level == "required":
            problems.append(f"{waived!r} is a required check and cannot be waived (reason given: {reason!r})")
    return problems


@check(kind="packaging", applies_to="components that declare expected_failures")
def check_plugin_expected_failures_are_valid(subject: Any) -> None:
    """Every expected failure a spec declares names a recommended check that applies to the component.

    Why: a waiver is a promise shown in every report; one naming no check (a typo, a
    renamed check) hides nothing and misleads, and required checks are the contract
    itself, so they cannot be waived. Fix: copy the id from the report
    (``check_model_torch_compile(preset=tiny)``), or fix the component instead of
    waiving a required check.
    """
    problems = waiver_problems(subject)
    if problems:
        ids = ", ".join(sorted(subject.expected_failures))
        raise fail(
            subject,
            "expected_failures must name recommended checks that apply",
            "; ".join(problems),
            f"correct the ids in expected_failures ({ids})",
        )
