"""DRF endpoints of the payments app, by topic."""
