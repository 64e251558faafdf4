"""Chat between the members of a course: course rooms, group rooms and direct messages, with moderation."""
