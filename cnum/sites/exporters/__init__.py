"""Site exporters, one module per file format."""
