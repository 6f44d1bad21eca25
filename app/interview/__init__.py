"""The mock interview: timed questions, marked answers, a summary, reviews scheduled from it."""
