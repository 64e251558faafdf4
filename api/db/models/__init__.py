"""ORM models, one module per table. Import models from here (``from api.db import models as m``)."""

from advanced_alchemy.base import orm_registry

from api.db.models._enums import ProblemVisibility, Role, SubmissionKind, SubmissionStatus
from api.db.models.account_token import AccountToken, AccountTokenPurpose
from api.db.models.ai_grading import AiAssessmentSetting, AiCourseSetting, AiGradingRun, AiProposal, AiUsage
from api.db.models.announcement import Announcement
from api.db.models.api_token import ApiScope, ApiToken
from api.db.models.assessment import Assessment, AssessmentQuestion
from api.db.models.assessment_attempt import (
    AssessmentAccommodation,
    AssessmentAnswer,
    AssessmentAttempt,
    AssessmentSubmission,
)
from api.db.models.chat import ChatMember, ChatMessage, ChatMute, ChatReport, ChatRoom, ChatRoomKind
from api.db.models.course import Course
from api.db.models.course_audit import CourseAuditEntry
from api.db.models.course_group import CourseGroup
from api.db.models.course_level import CourseLevel
from api.db.models.course_membership import CourseMembership, CourseRole
from api.db.models.course_problem import CourseProblem
from api.db.models.feedback import Feedback, FeedbackCategory, FeedbackStatus
from api.db.models.grading import AnswerGrade, GradeRelease, LineComment, RegradeRequest, RubricApplication, RubricItem
from api.db.models.judge0 import Judge0Submission
from api.db.models.live_event import LiveChannel, LiveEvent
from api.db.models.lti import (
    LtiContextLink,
    LtiGradeSync,
    LtiGradeSyncStatus,
    LtiLineItem,
    LtiPlatform,
    LtiResourceLink,
    LtiToolKey,
    LtiUserLink,
)
from api.db.models.notification import Notification, NotificationKind, NotificationPreference
from api.db.models.problem import Problem
from api.db.models.problem_package import ProblemPackage
from api.db.models.qa import QaAnswer, QaQuestion, QaVote
from api.db.models.refresh_token import RefreshToken
from api.db.models.scan import QuestionScan, SubmissionScan
from api.db.models.similarity import SimilarityPair, SimilarityReport
from api.db.models.stored_file import FilePurpose, StoredFile
from api.db.models.submission import Submission
from api.db.models.submission_attempt import SubmissionAttempt
from api.db.models.testset import TestSet
from api.db.models.user import Level, User

metadata = orm_registry.metadata

__all__ = [
    "AccountToken",
    "AccountTokenPurpose",
    "AiAssessmentSetting",
    "AiCourseSetting",
    "AiGradingRun",
    "AiProposal",
    "AiUsage",
    "Announcement",
    "AnswerGrade",
    "ApiScope",
    "ApiToken",
    "Assessment",
    "AssessmentAccommodation",
    "AssessmentAnswer",
    "AssessmentAttempt",
    "AssessmentQuestion",
    "AssessmentSubmission",
    "ChatMember",
    "ChatMessage",
    "ChatMute",
    "ChatReport",
    "ChatRoom",
    "ChatRoomKind",
    "Course",
    "CourseAuditEntry",
    "CourseGroup",
    "CourseLevel",
    "CourseMembership",
    "CourseProblem",
    "CourseRole",
    "Feedback",
    "FeedbackCategory",
    "FeedbackStatus",
    "FilePurpose",
    "GradeRelease",
    "Judge0Submission",
    "Level",
    "LineComment",
    "LiveChannel",
    "LiveEvent",
    "LtiContextLink",
    "LtiGradeSync",
    "LtiGradeSyncStatus",
    "LtiLineItem",
    "LtiPlatform",
    "LtiResourceLink",
    "LtiToolKey",
    "LtiUserLink",
    "Notification",
    "NotificationKind",
    "NotificationPreference",
    "Problem",
    "ProblemPackage",
    "ProblemVisibility",
    "QaAnswer",
    "QaQuestion",
    "QaVote",
    "QuestionScan",
    "RefreshToken",
    "RegradeRequest",
    "Role",
    "RubricApplication",
    "RubricItem",
    "SimilarityPair",
    "SimilarityReport",
    "StoredFile",
    "Submission",
    "SubmissionAttempt",
    "SubmissionKind",
    "SubmissionScan",
    "SubmissionStatus",
    "TestSet",
    "User",
    "metadata",
]
