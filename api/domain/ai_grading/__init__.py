"""AI-assisted grading and student hints through any OpenAI-compatible endpoint (#14): proposals for staff to
accept, edit or reject (nothing reaches a student before), calibration against hand-graded answers, leak checks
against hidden tests and reference solutions, budgets and rate limits per course."""
