"""Notifications: one row per person and event, the bell's unread count, per-kind preferences, an e-mail digest."""
