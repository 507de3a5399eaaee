"""Speed and quality scripts, run by hand (see each one's docstring); they print tables, never assert."""
