"""openzoo-vit: Vision Transformer image classification for openzoo.

The plugin registers through the ``openzoo`` entry point (:mod:`openzoo_vit.plugin`);
the model lives in :mod:`openzoo_vit.model`, the datasets in :mod:`openzoo_vit.digits`
and :mod:`openzoo_vit.imagefolder`. Importing this package imports nothing heavy.
"""

__all__: list[str] = []
