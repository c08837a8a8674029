"""Notifications: what waits for each person, on a page, in the header and by email."""
