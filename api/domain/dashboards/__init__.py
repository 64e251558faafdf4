"""Dashboards and analytics: the student's own overview, the course dashboard for its staff and the admins'
usage analytics, as JSON for the charts (and CSV per table). Aggregates run in SQL over bounded date ranges."""

from api.domain.dashboards.controllers import DASHBOARD_CONTROLLERS

__all__ = ["DASHBOARD_CONTROLLERS"]
