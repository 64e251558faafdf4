"""In-app feedback: anyone signed in sends a note from any page; admins list and triage it."""
