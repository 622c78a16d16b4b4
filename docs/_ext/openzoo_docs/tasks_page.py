"""The reference page of the core tasks, generated from :data:`openzoo.tasks.CORE_TASKS`."""

from __future__ import annotations

__all__ = ["table_cell", "tasks_page"]


def table_cell(text: str) -> str:
    """Return ``text`` safe for one cell of a Markdown table (one line, pipes escaped)."""
    return " ".join(str(text).split()).replace("|", "\\|")


def tasks_page() -> str:
    """Return the Markdown of the tasks page."""
    from openzoo.tasks import CORE_TASKS

    lines = [
        "# Tasks",
        "",
        "<!-- Generated from openzoo.tasks.CORE_TASKS when the site is built; do not edit. -->",
        "",
        "Core defines four tasks. Each fixes the example schema of its datasets, the outputs and targets of",
        "its models' batches, what `predict` takes and returns, and its default metrics. Plugins may add",
        "tasks through the `openzoo_tasks` hook; `openzoo list tasks` shows every installed one.",
        "",
    ]
    for task in CORE_TASKS:
        lines += [f"## `{task.name}`", "", task.description, "", "| part | key | meaning |", "|---|---|---|"]
        for part, mapping in (("example", task.example), ("output", task.outputs), ("target", task.targets)):
            lines += [f"| {part} | `{key}` | {table_cell(text)} |" for key, text in mapping.items()]
        metrics = ", ".join(f"`{m}`" for m in task.default_metrics) or "none"
        selection = f"`{task.selection_metric}`" if task.selection_metric else "the first metric"
        toy = f"`{task.toy_dataset}`" if task.toy_dataset else "none"
        lines += [
            f"| predict input | | {table_cell(task.predict_input)} |",
            f"| predict output | | {table_cell(task.predict_output)} |",
            "",
            f"Default metrics: {metrics}; the best checkpoint is selected by {selection}. "
            f"Toy dataset for tests and conformance: {toy}.",
            "",
        ]
    lines += ["## Task names in Python", "", "```{eval-rst}"]
    lines += [f".. autodata:: openzoo.tasks.{name}" for name in _constants()]
    lines += [".. autodata:: openzoo.tasks.CORE_TASKS", "   :no-value:", "```", ""]
    return "\n".join(lines)


def _constants() -> list[str]:
    import openzoo.tasks

    return [name for name in openzoo.tasks.__all__ if isinstance(getattr(openzoo.tasks, name), str)]
