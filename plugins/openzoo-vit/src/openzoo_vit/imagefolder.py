"""The ``imagefolder`` dataset: a user's folder of images, one sub-folder per class.

Two layouts are accepted:

* **flat**: ``ROOT/<class>/<image>`` -- split 70/15/15 per class with ``seed``
  (see :func:`openzoo_vit.splitting.stratified_split`);
* **split**: ``ROOT/train/<class>/<image>`` plus ``ROOT/validation`` (or
  ``ROOT/val``) and ``ROOT/test`` in the same shape. ``train`` is required; a
  missing ``validation`` or ``test`` folder is carved out of ``train`` per class
  with ``seed``, at the fractions of the flat split.

Class names are the folder names, sorted. Images are ``.png``, ``.jpg``/``.jpeg``,
``.bmp``, ``.gif``, ``.webp`` or ``.tif``/``.tiff`` files of any mode, converted to
RGB on reading (:mod:`openzoo_vit.images`). Every file is decoded once while the
folder is scanned, so a broken file is reported up front, with its path, instead
of in the middle of training; examples are read from disk again when used.
Hidden files and folders (``.DS_Store``, ``.ipynb_checkpoints``) are skipped.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, overload

from openzoo import BadInputError, UnknownNameError
from openzoo_vit.images import IMAGE_SUFFIXES, open_image
from openzoo_vit.splitting import stratified_split

__all__ = ["ImageFiles", "ImageFolderSource", "load_imagefolder"]

#: Split folder names of the split layout -> split name (``val`` is the ImageNet spelling).
SPLIT_FOLDERS = {"train": "train", "validation": "validation", "val": "validation", "test": "test"}
SPLITS = ("train", "validation", "test")


class ImageFiles(Sequence[dict[str, Any]]):
    """The examples of one split: image files read on access, as ``{"image": RGB PIL image, "label": int}``."""

    def __init__(self, files: Sequence[tuple[str, int]]) -> None:
        #: ``(path, class index)`` of every example, in order.
        self.files = list(files)

    def __len__(self) -> int:
        return len(self.files)

    @overload
    def __getitem__(self, index: int) -> dict[str, Any]: ...
    @overload
    def __getitem__(self, index: slice) -> list[dict[str, Any]]: ...
    def __getitem__(self, index: int | slice) -> dict[str, Any] | list[dict[str, Any]]:
        if isinstance(index, slice):
            return [self._example(path, label) for path, label in self.files[index]]
        path, label = self.files[index]
        return self._example(path, label)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for path, label in self.files:
            yield self._example(path, label)

    @staticmethod
    def _example(path: str, label: int) -> dict[str, Any]:
        return {"image": open_image(path), "label": label}


class ImageFolderSource:
    """The splits of an image folder (see the module docstring for the layouts)."""

    def __init__(self, splits: Mapping[str, Sequence[tuple[str, int]]], labels: Sequence[str], root: str) -> None:
        self._splits = {name: ImageFiles(files) for name, files in splits.items()}
        #: ``labels``: class names (index = class id); ``root``: the folder read.
        self.info: dict[str, Any] = {"labels": list(labels), "root": root}

    def splits(self) -> tuple[str, ...]:
        """Return ``("train", "validation", "test")``."""
        return tuple(self._splits)

    def load(self, split: str) -> ImageFiles:
        """Return the examples of ``split``.

        :raises UnknownNameError: for a split this source does not have.
        """
        try:
            return self._splits[split]
        except KeyError:
            raise UnknownNameError("split", split, self._splits) from None

    def __repr__(self) -> str:
        sizes = ", ".join(f"{name}={len(files)}" for name, files in self._splits.items())
        return f"ImageFolderSource({self.info['root']!r}, {sizes})"


def load_imagefolder(path: str | None = None, seed: int = 0) -> ImageFolderSource:
    """Scan ``path`` and return its ``train`` / ``validation`` / ``test`` splits.

    :param path: the root folder (required).
    :param seed: seed of the stratified split (flat layout, or missing split folders).
    :raises BadInputError: naming the offending path for a missing root, no classes, a single
        class, an empty class folder, a file that is not a readable image, a nested folder,
        an image outside any class folder, or class folders that differ between splits.
    """
    if not path:
        raise BadInputError("imagefolder: set the folder of your images with -o path=ROOT")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise BadInputError(f"imagefolder: seed must be a non-negative integer; got {seed!r}")
    root = Path(path).expanduser()
    if not root.is_dir():
        what = "is a file, not a folder" if root.exists() else "does not exist"
        raise BadInputError(f"imagefolder: {str(root)!r} {what}; pass a folder laid out as ROOT/<class>/<image>")
    split_dirs = {
        SPLIT_FOLDERS[child.name]: child for child in _visible(root) if child.is_dir() and child.name in SPLIT_FOLDERS
    }
    if split_dirs:
        return _load_split_layout(root, split_dirs, seed)
    labels, files = _scan_classes(root)
    indices = stratified_split([label for _, label in files], seed=seed)
    splits = {name: [files[i] for i in indices[name]] for name in SPLITS}
    _require_held_out(root, splits)
    return ImageFolderSource(splits, labels, str(root))


def _load_split_layout(root: Path, split_dirs: dict[str, Path], seed: int) -> ImageFolderSource:
    if "train" not in split_dirs:
        raise BadInputError(
            f"imagefolder: {str(root)!r} has {', '.join(sorted(d.name for d in split_dirs.values()))} "
            "but no 'train' folder; add ROOT/train/<class>/... or use the flat layout ROOT/<class>/..."
        )
    others = [child for child in _visible(root) if child.name not in SPLIT_FOLDERS and child.is_dir()]
    if others:
        raise BadInputError(
            f"imagefolder: {str(others[0])!r} is neither a split folder (train, validation, test) nor allowed "
            "beside them; move class folders inside ROOT/train, ROOT/validation and ROOT/test"
        )
    labels, train_files = _scan_classes(split_dirs["train"])
    splits: dict[str, list[tuple[str, int]]] = {"train": train_files}
    for name in ("validation", "test"):
        if name in split_dirs:
            split_labels, split_files = _scan_classes(split_dirs[name], allow_single_class=True)
            if split_labels != labels:
                raise BadInputError(
                    f"imagefolder: the class folders of {str(split_dirs[name])!r} ({', '.join(split_labels)}) "
                    f"differ from those of {str(split_dirs['train'])!r} ({', '.join(labels)}); "
                    "every split folder needs the same class folders"
                )
            splits[name] = split_files
    missing = [name for name in ("validation", "test") if name not in splits]
    if missing:
        indices = stratified_split([label for _, label in train_files], seed=seed)
        kept = indices["train"] + [i for name in ("validation", "test") if name not in missing for i in indices[name]]
        for name in missing:
            splits[name] = [train_files[i] for i in indices[name]]
        splits["train"] = [train_files[i] for i in sorted(kept)]
    ordered = {name: splits[name] for name in SPLITS}
    _require_held_out(root, ordered)
    return ImageFolderSource(ordered, labels, str(root))


def _scan_classes(folder: Path, *, allow_single_class: bool = False) -> tuple[list[str], list[tuple[str, int]]]:
    """Return the class names of ``folder`` and every ``(image path, class index)``, checked readable."""
    class_dirs = []
    for child in _visible(folder):
        if child.is_dir():
            class_dirs.append(child)
        elif child.suffix.lower() in IMAGE_SUFFIXES:
            raise BadInputError(
                f"imagefolder: {str(child)!r} is not inside a class folder; move each image into "
                f"{folder!s}/<class name>/"
            )
    if not class_dirs:
        raise BadInputError(
            f"imagefolder: no class folders in {str(folder)!r}; lay the images out as {folder!s}/<class>/<image>"
        )
    if len(class_dirs) < 2 and not allow_single_class:
        raise BadInputError(
            f"imagefolder: {str(folder)!r} has a single class folder ({class_dirs[0].name}); "
            "classification needs at least two classes"
        )
    labels = [d.name for d in class_dirs]
    files: list[tuple[str, int]] = []
    for index, class_dir in enumerate(class_dirs):
        images = [_check_image(item) for item in _visible(class_dir)]
        if not images:
            raise BadInputError(f"imagefolder: class folder {str(class_dir)!r} is empty; add images to it or remove it")
        files.extend((image, index) for image in images)
    return labels, files


def _check_image(path: Path) -> str:
    if path.is_dir():
        raise BadInputError(
            f"imagefolder: {str(path)!r} is a folder inside a class folder; put the images directly in "
            f"{str(path.parent)!r} (nested folders are not classes)"
        )
    if path.suffix.lower() not in IMAGE_SUFFIXES:
        raise BadInputError(
            f"imagefolder: {str(path)!r} is not an image file (expected one of {', '.join(IMAGE_SUFFIXES)}); "
            "remove it from the class folder"
        )
    open_image(path)  # decodes the whole file: raises BadInputError naming the path when it is broken
    return str(path)


def _require_held_out(root: Path, splits: Mapping[str, Sequence[Any]]) -> None:
    empty = [name for name in ("validation", "test") if not splits[name]]
    if empty:
        raise BadInputError(
            f"imagefolder: {str(root)!r} has too few images to hold out a {' and a '.join(empty)} split "
            "(a class needs at least 4 images to give one to each); add images, or provide the split "
            "folders ROOT/train, ROOT/validation and ROOT/test yourself"
        )


def _visible(folder: Path) -> list[Path]:
    """Return the entries of ``folder`` that are not hidden, sorted by name."""
    try:
        return sorted((child for child in folder.iterdir() if not child.name.startswith(".")), key=lambda p: p.name)
    except OSError as exc:
        raise BadInputError(f"imagefolder: cannot list {str(folder)!r}: {exc}") from exc
