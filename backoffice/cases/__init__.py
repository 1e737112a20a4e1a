"""Desk-review cases: opened by publications, with reasons naming approval groups."""
