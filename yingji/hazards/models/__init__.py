"""What the hazards capability stores: risk points and their grading, patrols, hazards, inspections, photos.

One module per part (a models package, because together they pass the size of
one file); everything is importable from `yingji.hazards.models`.
"""

from yingji.hazards.models.hazard import Hazard, HazardSeverity, HazardSource, HazardStatus
from yingji.hazards.models.inspection import Inspection, InspectionResult, Inspector
from yingji.hazards.models.media import Photo, PhotoStage
from yingji.hazards.models.patrol import CheckIn, PatrolFrequency, PatrolPlan, PatrolRecord, PatrolStop
from yingji.hazards.models.risk import RiskCategory, RiskGrade, RiskGrading, RiskPoint

__all__ = [
    "CheckIn", "Hazard", "HazardSeverity", "HazardSource", "HazardStatus", "Inspection", "InspectionResult",
    "Inspector", "PatrolFrequency", "PatrolPlan", "PatrolRecord", "PatrolStop", "Photo", "PhotoStage",
    "RiskCategory", "RiskGrade", "RiskGrading", "RiskPoint",
]
