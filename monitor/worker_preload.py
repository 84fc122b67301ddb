"""Imported once by the forkserver before it forks the extraction workers (see pipeline.Poller.executor).

What is loaded here is loaded once and shared by every worker (copy-on-write pages), instead of once per
worker: trafilatura and lxml, the pymorphy3 dictionaries for Ukrainian and Russian, simplemma's English
table (~75 MB per worker otherwise, bench/README.md). Importing this module has exactly that side effect, and
freezes the collector's view of the importing process (gc.freeze: meant for the forkserver only).
"""

import gc

from monitor import analyze  # noqa: F401  - matching, figures and their imports
from monitor.extract import load_trafilatura
from monitor.match import _english_dictionary
from monitor.numbers import word_table
from monitor.text import morph_analyzer

for _language in ("uk", "ru"):
    morph_analyzer(_language)
word_table()
_english_dictionary()  # simplemma's English table, its low-memory form (~6 MB)
load_trafilatura()  # the extraction stack

# Everything loaded above lives as long as the workers: out of the collector's sight, so a worker's
# collections do not write to those objects' headers and copy the pages it shares with the forkserver.
gc.collect()  # what the imports left as garbage is freed, not frozen
gc.freeze()
