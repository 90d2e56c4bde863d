"""The screen audit: every journey walked, every screen checked as seen, heard and touched."""
