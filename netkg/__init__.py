"""netkg: the neuroendocrine-tumour treatment graph, validated and served as linked data."""

__version__ = "0.1.0"
