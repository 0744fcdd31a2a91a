"""Domain rules, called by views, CLI commands and background tasks."""
