"""Who published, when, for each registered organisation and reporting year."""
