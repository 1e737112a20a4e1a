"""The organisations register: organisations, their branches and Organisation Administrators."""
