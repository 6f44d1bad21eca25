"""Browsing the bank: home, topic pages, card pages and full-text search."""
