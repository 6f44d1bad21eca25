"""Typed answers checked against a card's key points: the matcher, its rules and the checklist."""
