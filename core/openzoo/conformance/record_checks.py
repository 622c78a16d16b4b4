"""The recorded-behaviour check: a plugin does what its record says, unless its version changed.

See :mod:`openzoo.conformance.behaviour_record` for what a record holds and how it is compared.
"""

from __future__ import annotations

from openzoo.conformance.declaration import check, fail
from openzoo.conformance.subjects import PluginSubject

__all__ = ["check_plugin_behaviour_matches_its_record", "has_record"]

#: Differences listed in a failure message (the rest are counted).
SHOWN = 6


def has_record(subject: PluginSubject) -> bool:
    """Whether the plugin ships a record file (the check is selected only then)."""
    from openzoo.conformance.behaviour_record import record_location

    path = record_location(subject)
    return path is not None and path.is_file()


@check(kind="packaging", level="recommended", applies_to="plugins that ship conformance-record.json")
def check_plugin_behaviour_matches_its_record(subject: PluginSubject) -> None:
    """The plugin's components still do what its ``conformance-record.json`` recorded for this version.

    ``openzoo conformance record DIST`` observes every component on the CPU with seed 0 -- its
    declaration (presets and their training recipes, options, splits), every dataset's examples
    (count and digest per split, and per value of each option with choices when a sample is
    declared), what the loader makes of each declared malformed file under each such value, and
    every model's test presets on five examples of its test dataset (the loss and main output, the
    losses of five Adam steps, the outputs after them, ``predict``'s records with the default
    options and under each choice and declared bound of its options, ``predict`` on the task's
    unusual inputs under each choice, and what ``collate`` makes of a target outside the label
    space) -- and writes them with the distribution's version into the plugin's package. Of each
    refusal it keeps the exception's type and, for an ``OpenzooError``, the whole numbers its
    message states (a line, a field count, a class range; suite 1.13): the wording is free, the
    numbers a user acts on are not. This check observes again and compares: text, integers and
    digests exactly, floats within a relative 2e-4 (rounding differs across CPUs and thread counts
    by about 1e-6). A failure names the library versions that differ from the record's
    (``made_with``), if any.

    Why: users and maintainers trust that a version number names one behaviour -- the rule every
    plugin follows is that its version changes when its behaviour does, with a CHANGELOG entry. A
    pull request that changes a preset's learning rate, a normalisation constant, a split or a
    default option silently passes every contract check; here it shows. The record cannot judge
    a plugin's first version, only changes to it. Fix: if the change is intended, bump the version,
    add the CHANGELOG entry and run ``openzoo conformance record DIST`` (the record's diff shows the
    reviewer what changed); if it is not, the listed differences point at the regression.
    """
    from openzoo.conformance.behaviour_record import differences, observe, read_record, record_location

    path = record_location(subject)
    if path is None:  # selection asks has_record; a direct call on a plugin without one gets here
        raise fail(subject, "the plugin must ship a record", "no package directory", "run openzoo conformance record")
    rerecord = f"openzoo conformance record {subject.dist}"
    name = "check_plugin_behaviour_matches_its_record"
    try:
        plugins = read_record(path)["plugins"]
    except ValueError as exc:
        raise fail(
            subject,
            "conformance-record.json must be a record this suite reads",
            str(exc),
            f"run {rerecord}",
            check_name=name,
        ) from None
    recorded = plugins.get(subject.name)
    if not isinstance(recorded, dict):
        raise fail(
            subject,
            f"{path.name} must hold an entry for the plugin {subject.name!r}",
            f"entries for {sorted(plugins) or 'no plugin'}",
            f"run {rerecord}",
            check_name=name,
        )
    version = subject.record.version
    if recorded.get("version") != version:
        raise fail(
            subject,
            "the record must be made for the installed version",
            f"a record of version {recorded.get('version')!r}, version {version!r} installed",
            f"after a release's changes, run {rerecord} and commit the record with the new version",
            check_name=name,
        )
    observed = observe(subject)
    found = differences(recorded.get("components", {}), observed["components"])
    if found:
        shown = "; ".join(found[:SHOWN]) + (f"; and {len(found) - SHOWN} more" if len(found) > SHOWN else "")
        then, now = recorded.get("made_with") or {}, observed["made_with"]
        moved = [f"{lib} {then[lib]} -> {now.get(lib, 'absent')}" for lib in sorted(then) if then[lib] != now.get(lib)]
        environment = (
            f" The record was made with other libraries ({', '.join(moved)}): if the plugin did not change, "
            "record it again where the project's CI runs"
            if moved
            else ""
        )
        raise fail(
            subject,
            f"version {version} must behave as its record says",
            f"{len(found)} difference(s): {shown}",
            "a behaviour change needs a new version: bump it, add a CHANGELOG entry and run "
            f"{rerecord}; if the change was not meant, these differences point at the regression.{environment}",
            check_name=name,
        )
