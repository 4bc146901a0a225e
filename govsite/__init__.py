"""govsite: a static-site generator for county 政府信息公开 (government information disclosure) websites."""

__version__ = "0.1.0"
