"""Quality evaluation of topic matching and figure extraction against the labelled set.

Run ``python -m monitor.eval topics`` or ``python -m monitor.eval figures`` (optionally ``--labels DIR``);
the default labels are the copy in ``tests/data/labels`` (from ../shared/labels).
"""
