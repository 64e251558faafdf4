"""Courses: people with course roles (instructor, TA, student), groups, levels, problem sets and the audit trail.

The controllers to register are ``api.domain.courses.routes.COURSE_CONTROLLERS``; the package itself imports nothing
(the problems and submissions areas import ``api.domain.courses.access``).
"""
