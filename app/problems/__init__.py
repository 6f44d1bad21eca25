"""Practice problems: numeric exercises drawn afresh from the demos' own functions."""
