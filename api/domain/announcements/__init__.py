"""Announcements by a course's staff to its members, with a notification each."""
