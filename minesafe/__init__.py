"""Minesafe: an open platform for coal-mine safety supervision."""

__version__ = "0.1.0"
