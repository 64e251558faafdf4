"""Code scanning: per code question, static checks (construct rules, the language's linter) that run in the
sandbox on a judge worker after a submission is judged, shown to the student and the graders, optionally worth
part of the question's score."""
