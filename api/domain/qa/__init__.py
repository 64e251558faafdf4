"""Questions and answers of a course: tags, answers, votes, accepted answers, staff endorsement, anonymity."""
