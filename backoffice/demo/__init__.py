"""Demo data and the one-command embedded demo."""
