"""``openzoo data fetch`` and ``openzoo data list``: a dataset's declared downloads and the cache."""

from __future__ import annotations

from typing import Any

import click

from openzoo.cli.completion import complete_datasets
from openzoo.cli.render import dump_json, format_table, output_width

__all__ = ["data"]


def _registry() -> Any:
    from openzoo.cli import context_registry

    return context_registry(click.get_current_context())


@click.group()
def data() -> None:
    """Fetch the files a dataset declares into the cache, or list the cache.

    The cache is $OPENZOO_CACHE (default ~/.cache/openzoo). Loaders never download:
    they read what 'openzoo data fetch' put there, or say what is missing.
    """


@data.command()
@click.argument("names", nargs=-1, required=True, metavar="DATASET...", shell_complete=complete_datasets)
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
def fetch(names: tuple[str, ...], quiet: bool) -> None:
    """Download DATASET's declared files: resumable, with the size and SHA-256 checked.

    \b
    Examples:
      openzoo data fetch movie-reviews
      OPENZOO_CACHE=/data/openzoo openzoo data fetch movie-reviews
    """
    from tqdm.auto import tqdm

    from openzoo.data.fetch import fetch_file
    from openzoo.errors import BadInputError

    registry = _registry()
    specs = [registry.dataset(name) for name in names]
    for spec in specs:
        if not spec.downloads:
            raise BadInputError(
                f"dataset {spec.name!r} declares no downloads: its data ships with an installed package, is "
                "generated, or is a file you provide (see 'openzoo info " + spec.name + "')"
            )
    for spec in specs:
        for file in spec.downloads:
            with tqdm(total=file.size, unit="B", unit_scale=True, desc=file.name, disable=quiet, leave=False) as bar:

                def advance(done: int, total: int, bar: Any = bar) -> None:
                    bar.update(done - bar.n)

                path, outcome = fetch_file(spec.name, file, progress=advance)
            click.echo(f"{spec.name}: {file.name} {outcome}, SHA-256 verified: {path}")


@data.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def list_data(as_json: bool) -> None:
    """Show the declared downloads of installed datasets and what the cache holds."""
    from openzoo.data.cache import cache_root, dataset_cache_dir, list_cache

    registry = _registry()
    rows: list[dict[str, Any]] = []
    declared = set()
    for spec in registry.list("datasets"):
        for file in spec.downloads:
            path = dataset_cache_dir(spec.name) / file.name
            part = path.with_name(path.name + ".part")
            status = "cached" if path.is_file() and path.stat().st_size == file.size else "missing"
            if status == "missing" and part.is_file():
                status = f"partial ({part.stat().st_size} of {file.size} bytes)"
            rows.append(
                {"dataset": spec.name, "file": file.name, "size": file.size, "status": status, "path": str(path)}
            )
            declared.add((spec.name, file.name))
    for cached in list_cache():
        if (cached.dataset, cached.name) not in declared:
            status = "partial" if cached.partial else "cached (not declared by an installed dataset)"
            rows.append(
                {
                    "dataset": cached.dataset,
                    "file": cached.name,
                    "size": cached.size,
                    "status": status,
                    "path": cached.path,
                }
            )
    if as_json:
        click.echo(dump_json({"cache": str(cache_root()), "files": rows}))
        return
    click.echo(f"cache: {cache_root()}", err=True)
    if not rows:
        click.echo("No dataset declares downloads and the cache is empty.", err=True)
        return
    table = [(r["dataset"], r["file"], r["size"], r["status"], r["path"]) for r in rows]
    click.echo("\n".join(format_table(("dataset", "file", "bytes", "status", "path"), table, width=output_width())))
