"""Scoped reads of the payments app, by topic (``rolls``; the other modules add theirs)."""
