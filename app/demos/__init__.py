"""Live demos: one module per demo, each a pure NumPy function of validated parameters."""
