"""Grading by hand on top of assessments: rubrics, line comments, overrides, the gradebook, release and regrades."""

from __future__ import annotations
