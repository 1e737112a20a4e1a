"""Reports: the public outcomes report (no login) and its CSV."""
