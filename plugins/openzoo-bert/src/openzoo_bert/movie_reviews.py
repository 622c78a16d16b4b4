"""The ``movie-reviews`` dataset: Rotten Tomatoes sentences with human sentiment ratings.

The sentences are those of the classic MR polarity benchmark (Pang & Lee 2005),
each rated by about 20 people on a -4..4 scale (Hutto & Gilbert, ICWSM 2014).
They come in ``additional_resources/hutto_ICWSM_2014.tar.gz`` of the
vaderSentiment 3.3.2 *source distribution* (MIT) as
``movieReviewSnippets_GroundTruth.txt``: tab-separated ``id, mean rating, text``.
A mean above 0 is ``positive``, below 0 ``negative``; the 37 sentences rated
exactly 0 are dropped, and so is the second copy of the two sentences that appear
twice (so no sentence is in two splits), leaving 10,566 (5,241 positive, 5,325
negative).

openzoo does not ship the sentences (third-party review text for research
use): the loader reads the user's download, fetched once into the cache with::

    openzoo data fetch movie-reviews

(or, equivalently, ``pip download --no-deps --no-binary :all: vaderSentiment==3.3.2
-d ~/.cache/openzoo/movie-reviews``). The loader itself never reaches the network.

Archives are read in memory; nothing is extracted to disk. The split is the
seeded stratified split of :mod:`openzoo_bert.splits` (seed 0, 10% validation,
10% test by default): the same download and options always give the same split.
"""

from __future__ import annotations

import io
import os
import tarfile
from pathlib import Path

from openzoo import BadInputError, SplitSource, dataset_cache_dir

from openzoo_bert.plugin import VADER_SDIST
from openzoo_bert.splits import check_fractions, stratified_split

__all__ = ["DOWNLOAD_COMMAND", "LABELS", "default_directory", "find_ground_truth", "load_movie_reviews", "parse"]

#: Class names, index = class id.
LABELS: tuple[str, str] = ("negative", "positive")
#: The file inside the archives.
GROUND_TRUTH = "movieReviewSnippets_GroundTruth.txt"
#: The inner archive inside the sdist.
INNER_ARCHIVE = "hutto_ICWSM_2014.tar.gz"
#: The sdist file name.
SDIST = "vaderSentiment-3.3.2.tar.gz"
#: The command that fetches the sdist (``{directory}`` is filled in).
DOWNLOAD_COMMAND = "pip download --no-deps --no-binary :all: vaderSentiment==3.3.2 -d {directory}"


def default_directory() -> Path:
    """Return where the loader looks when no path is given.

    ``$OPENZOO_DATA_DIR/movie-reviews`` when that variable is set (the 0.1 location), else
    the openzoo cache's directory for the dataset, where ``openzoo data fetch movie-reviews``
    puts the sdist (``$OPENZOO_CACHE/movie-reviews``, default ``~/.cache/openzoo/movie-reviews``).
    """
    data_dir = os.environ.get("OPENZOO_DATA_DIR")
    if data_dir:
        return Path(data_dir).expanduser() / "movie-reviews"
    return dataset_cache_dir("movie-reviews")


def load_movie_reviews(
    path: str | None = None, seed: int = 0, validation: float = 0.1, test: float = 0.1
) -> SplitSource:
    """Read the rated sentences and split them (stratified, seeded).

    :param path: the sdist, the inner archive, the extracted text file, or a directory
        holding one of them; ``None`` looks in :func:`default_directory`.
    :param seed: seed of the split.
    :param validation: fraction of each class held out for validation.
    :param test: fraction of each class held out for testing.
    :raises BadInputError: when the data cannot be found or read; the message gives the download command.
    """
    check_fractions(validation, test)
    examples = parse(find_ground_truth(path), source=str(path or default_directory()))
    splits = stratified_split(examples, seed=seed, validation=validation, test=test)
    return SplitSource(splits, info={"labels": list(LABELS)})


def find_ground_truth(path: str | os.PathLike[str] | None) -> bytes:
    """Return the bytes of ``movieReviewSnippets_GroundTruth.txt`` from ``path`` (see :func:`load_movie_reviews`)."""
    location = Path(path).expanduser() if path else default_directory()
    if location.is_dir():
        for name in (GROUND_TRUTH, INNER_ARCHIVE, SDIST):
            candidates = sorted(location.rglob(name))
            if candidates:
                location = candidates[0]
                break
        else:
            raise _missing(location, f"{location} holds none of {SDIST}, {INNER_ARCHIVE} or {GROUND_TRUTH}")
    if not location.is_file():
        raise _missing(location, f"{location} does not exist")
    if location.name.endswith((".tar.gz", ".tgz", ".tar")):
        return _from_archive(location)
    return location.read_bytes()


def _missing(location: Path, problem: str) -> BadInputError:
    directory = default_directory()
    return BadInputError(
        f"movie-reviews: {problem}. openzoo does not ship these sentences; fetch the vaderSentiment 3.3.2 "
        f"source distribution (2.5 MB from PyPI, SHA-256 checked) once with:\n"
        f"  openzoo data fetch movie-reviews\n"
        f"or offline, download {VADER_SDIST.url} elsewhere and put it in {directory} "
        f"(pip does the same: {DOWNLOAD_COMMAND.format(directory=directory)}); "
        f"then rerun, or point -o path=... at the .tar.gz or the extracted {GROUND_TRUTH}"
    )


def _from_archive(archive: Path) -> bytes:
    try:
        with tarfile.open(archive) as outer:
            data = _member(outer, GROUND_TRUTH)
            if data is None:
                inner_bytes = _member(outer, INNER_ARCHIVE)
                if inner_bytes is None:
                    raise BadInputError(
                        f"{archive}: holds neither {INNER_ARCHIVE} nor {GROUND_TRUTH}; "
                        f"is it the vaderSentiment 3.3.2 sdist ({SDIST})?"
                    )
                with tarfile.open(fileobj=io.BytesIO(inner_bytes)) as inner:
                    data = _member(inner, GROUND_TRUTH)
                if data is None:
                    raise BadInputError(f"{archive}: {INNER_ARCHIVE} does not hold {GROUND_TRUTH}")
            return data
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise BadInputError(f"{archive}: not a readable .tar.gz archive ({exc}); download it again") from None


def _member(archive: tarfile.TarFile, name: str) -> bytes | None:
    for member in archive.getmembers():
        if member.isfile() and member.name.rsplit("/", 1)[-1] == name:
            handle = archive.extractfile(member)
            return handle.read() if handle is not None else None
    return None


def parse(data: bytes, *, source: str = GROUND_TRUTH) -> list[dict[str, object]]:
    """Parse the ground-truth file into examples ``{"text", "label"}``.

    Neutral sentences (mean 0) and repeats of a sentence already read are dropped.

    :raises BadInputError: naming the line of a row that is not ``id<TAB>mean<TAB>text``.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise BadInputError(f"{source}: {GROUND_TRUTH} is not UTF-8; download it again") from None
    examples: list[dict[str, object]] = []
    seen: set[str] = set()
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        fields = line.split("\t")
        try:
            if len(fields) != 3:
                raise ValueError
            mean = float(fields[1])
        except ValueError:
            raise BadInputError(
                f"{source}, line {number}: expected 'id<TAB>mean rating<TAB>text', got {line[:60]!r}"
            ) from None
        sentence = fields[2].strip()
        if mean == 0 or not sentence or sentence in seen:
            continue
        seen.add(sentence)
        examples.append({"text": sentence, "label": int(mean > 0)})
    if not examples:
        raise BadInputError(f"{source}: no rated sentences found in {GROUND_TRUTH}")
    return examples
