"""What every feature leans on: database, audit, permissions, errors, jobs."""
