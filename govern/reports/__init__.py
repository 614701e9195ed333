"""Reports people read, rendered from the typed results, the results store and the incident database.

- ``govern.reports.views``: the view objects a page is rendered from (frozen dataclasses; no DataFrames);
- ``govern.reports.svg``: small inline-SVG charts drawn by our own code (sparkline, line chart, bar chart);
- ``govern.reports.render``: the Jinja2 environments (autoescape, ``StrictUndefined``) over the templates in
  the repository's ``reports/`` folder, and one function per page.

Pages: the model owner's nightly report (``owner.html.j2``, ``owner.md.j2``), written to
``runs/<night>/reports/<model>.html`` and ``.md``.
"""
