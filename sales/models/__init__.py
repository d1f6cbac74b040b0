from .forecast import ForecastRollup
from .leads import AssignmentLog, AssignmentRule, Lead, LeadScoringModel
from .pipeline import (
    Competitor,
    ForecastCategory,
    Opportunity,
    Pipeline,
    Quota,
    Stage,
    StageChange,
)
from .quotes import Quote, QuoteApproval, QuoteDocument, QuoteLine

__all__ = [
    "AssignmentLog",
    "AssignmentRule",
    "Competitor",
    "ForecastCategory",
    "ForecastRollup",
    "Lead",
    "LeadScoringModel",
    "Opportunity",
    "Pipeline",
    "Quota",
    "Quote",
    "QuoteApproval",
    "QuoteDocument",
    "QuoteLine",
    "Stage",
    "StageChange",
]
