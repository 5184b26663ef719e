"""Identity Watch: a self-hosted watch for public accounts impersonating school district staff."""

__version__ = "0.1.0"
