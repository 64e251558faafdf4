"""The one live connection per page (``WS /api/live``) and the events it carries, stored per channel."""
