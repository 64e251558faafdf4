"""Jinja page controllers: they render templates from ``web/templates`` with data from the domain services, and
hold no rules of their own (the page's JavaScript sends every change to the JSON API)."""

from __future__ import annotations

from typing import Final

from litestar.types import ControllerRouterHandler

from api.pages.accounts import AccountPages
from api.pages.admin import AdminPages
from api.pages.assessments import AssessmentPages
from api.pages.course_staff import CourseStaffPages
from api.pages.courses import CoursePages
from api.pages.feedback import FeedbackPages
from api.pages.fleet import FleetPages
from api.pages.grading import GradingPages
from api.pages.help import HelpPages, help_images
from api.pages.home import HomePage
from api.pages.problems import ProblemPages
from api.pages.submissions import SubmissionPages

__all__ = ["PAGE_CONTROLLERS"]

PAGE_CONTROLLERS: Final[tuple[ControllerRouterHandler, ...]] = (
    HomePage,
    AccountPages,
    ProblemPages,
    SubmissionPages,
    HelpPages,
    help_images,
    FeedbackPages,
    CoursePages,
    CourseStaffPages,
    FleetPages,
    AdminPages,
    AssessmentPages,
    GradingPages,
)
