"""monitor: watch news feeds for military-manpower news (desertion, conscription) in en/uk/ru and pull out
the figures, with who claimed them, into SQLite. See README.md."""

__version__ = "0.1.0"
