"""Pages of the duty app: the duty room (pages.py), rosters (roster.py), daily reports (reports.py)."""
