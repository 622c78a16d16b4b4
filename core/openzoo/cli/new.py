"""``openzoo new``: create a plugin from the template, ready for ``openzoo conformance``.

Exit codes: 0 when the plugin was created; 2 for bad input (an invalid name, an
unknown kind, task, backend or licence, an existing destination, copier not
installed), with nothing written; 130 when interrupted at a prompt.
"""

from __future__ import annotations

import click

__all__ = ["new"]


@click.command("new")
@click.argument("kind", metavar="KIND")
@click.argument("name")
@click.option(
    "--task",
    help="Task of the model, dataset and metric: text-classification, image-classification, text-generation or recommendation.",
)
@click.option(
    "--dest",
    default=".",
    show_default=True,
    type=click.Path(file_okay=False),
    help="Directory to create openzoo-NAME in.",
)
@click.option(
    "--kind",
    "extra_kinds",
    multiple=True,
    metavar="KIND",
    help="Another component kind the plugin provides (repeatable).",
)
@click.option("--backend", help="How the model is built: hf (Hugging Face transformers) or torch (plain PyTorch).")
@click.option("--author", help="Your name, for the package metadata and the licence.")
@click.option("--author-email", help="Your e-mail address, for the package metadata.")
@click.option("--licence", "--license", "licence", help="Apache-2.0 (default), MIT or BSD-3-Clause.")
@click.option(
    "--defaults", is_flag=True, help="Take the default answer to every question not set by an option (no prompts)."
)
@click.option(
    "--template",
    metavar="PATH_OR_URL",
    help="Render another copy of the template: a clone of openzoo, a template directory or a git URL (a branch under review).",
)
def new(
    kind: str,
    name: str,
    task: str | None,
    dest: str,
    extra_kinds: tuple[str, ...],
    backend: str | None,
    author: str | None,
    author_email: str | None,
    licence: str | None,
    defaults: bool,
    template: str | None,
) -> None:
    """Create the plugin openzoo-NAME providing a KIND (model, dataset, metric or device).

    \b
    Examples:
      openzoo new model my-arch --task image-classification --dest plugins/
      openzoo new model my-lm --task text-generation --backend torch --defaults
      openzoo new dataset my-reviews --task text-classification --kind metric --defaults
      openzoo new device my-npu --defaults

    The plugin passes the conformance suite as rendered; look for TODO(contributor)
    to put your own code in. Without --defaults, copier asks the questions that no
    option answered.
    """
    from openzoo.scaffold import build_request, next_commands, render_plugin

    request = build_request(
        kind,
        name,
        extra_kinds=extra_kinds,
        task=task,
        backend=backend,
        author=author,
        author_email=author_email,
        licence=licence,
    )
    plugin = render_plugin(request, dest, defaults=defaults, template=template)
    answers = plugin.answers
    what = ", ".join(answers.get("kinds") or request.kinds)
    details = [value for value in (answers.get("task"), answers.get("backend") if "model" in what else None) if value]
    suffix = f" ({'; '.join(details)})" if details else ""
    click.echo(f"Created {plugin.dist} in {plugin.path}: {what}{suffix}.")
    click.echo("Next:")
    for command in next_commands(plugin):
        click.echo(f"  {command}")
