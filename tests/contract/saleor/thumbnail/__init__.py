"""Mirror of ``saleor/thumbnail/__init__.py``: the sizes Saleor serves thumbnails in."""

THUMBNAIL_SIZES = [32, 64, 128, 256, 512, 1024, 2048, 4096]
DEFAULT_THUMBNAIL_SIZE = 256
