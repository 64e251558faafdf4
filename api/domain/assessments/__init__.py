"""Assessments: practice sets, quizzes, assignments and exams of a course; attempts, answers and scores out of 100.

The controllers to register are ``api.domain.assessments.controllers.AssessmentController``; the rules of scoring
are pure functions in ``api.domain.assessments.scoring``.
"""
