"""NumPy arrays -> SVG strings, the one chart library of the app (demos, stats, plans, interviews).

Every chart is one ``<svg class="plot plot-<kind>">`` string with ``role="img"``,
``<title>``/``<desc>`` (the text alternative), a ``viewBox`` (it scales to its container) and
colours only through CSS classes styled in ``static/charts.css`` (so dark mode works). Non-finite
points are dropped and lines clipped to the plot area, so no NaN/inf reaches the SVG; every text
is escaped here, so a template puts a chart in with ``{{ svg | safe }}``. A few milliseconds per
chart (matplotlib costs about 100x more).

Modules: ``scale`` (ticks, number labels, data-to-pixel frame), ``svg`` (header, text, axes,
legend, clipping), ``lines`` (``line_plot`` and its ``Series``/``Line``/``Region``/``Mark``),
``bars`` (``bar_chart``, ``stacked_bars``), ``heat`` (``heatmap``, ``heat_levels``,
``calendar_heatmap``), ``grids`` (matrices as cell grids and heat tables), ``trees`` (a search
tree), ``boxes`` (boxes in image coordinates), ``figure`` (a chart with its data table).
"""
