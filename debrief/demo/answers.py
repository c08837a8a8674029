"""Made-up answers for the demo debriefs: how often, and in what words. Demo data only."""

from __future__ import annotations

# Share of "yes" for yes/no questions; the rest are answered "no".
YES_SHARE = {
    "risk_to_life": 0.1,
    "medical_help": 0.15,
    "people_not_located": 0.15,
    "age_assessment_referred": 0.8,
    "age_disputed_treated_as_children": 0.85,
    "facilitator_arrested": 0.25,
    "intel_doc_submitted": 0.75,
    "force_intel_report": 0.6,
    "trafficking_indicators": 0.2,
    "childrens_services_notified": 0.85,
    "other_vulnerabilities": 0.15,
    "partner_delay": 0.2,
    "crime_recorded": 0.6,
    "welfare_follow_up": 0.1,
    "hydra_trained": 0.4,
    "notable_practice": 0.15,
    "joint_learning": 0.2,
}

# Relative weights of the answers to choice questions (1 where not listed).
WEIGHTS = {
    "debrief_kind": {"hot": 3, "structured": 2},
    "how_reported": {"call_999": 4, "driver_haulier": 3, "port": 2, "border_force": 2},
    "people_released": {"handed_to_ie": 6, "police_transported": 2},
    "nccu_not_contacted_reason": {"could_not_get_through": 3, "not_immigration_matter": 2},
    "nccu_method": {"phone": 9, "email": 1},
    "nccu_outcome": {"ie_attended": 4, "police_to_transport": 2, "release_instructions": 2},
    "intel_doc_route": {"first_report": 6, "later": 2, "not_done": 2},
    "intel_doc_not_submitted_reason": {"unaware": 3, "time_resources": 3, "system_access": 2},
    "biometrics_outcome": {"completed": 7, "failed": 1, "not_available": 2, "not_known": 1},
    "trafficking_indicators_about": {
        "no": 16,
        "adults": 2,
        "children": 1,
        "adults_and_children": 1,
    },
    "nrm_outcome": {"nrm_made": 3, "ms1_only": 2, "pending": 2},
    "child_nrm_outcome": {"nrm_made": 6, "pending": 2, "not_made": 1},
    "interpreter": {"phone": 5, "in_person": 2, "not_needed": 2, "unavailable": 1},
    "information_flow": {"good": 6, "partial": 3, "poor": 1},
    "scene_preserved": {"yes": 5, "partly": 2, "no": 1},
    "investigation_passed_to": {"force": 4, "immigration_enforcement": 4, "rocu": 1, "nca": 1},
    "resources": {"adequate": 6, "stretched": 3, "inadequate": 1},
    "elearning": {"all": 4, "some": 4, "none": 1, "unknown": 1},
    "intel_doc_awareness": {"all": 6, "some": 3, "none": 1},
}

SHORT_TEXT = {
    "nccu_not_contacted_other": ["Immigration Enforcement were already on scene"],
    "intel_doc_not_submitted_other": ["Officer went off duty before completing it"],
    "nrm_not_made_reason": ["Adult declined and no indicators for a child", "Awaiting interpreter"],
    "child_nrm_not_made_reason": ["First responder not available overnight; referred next day"],
}

LONG_TEXT = {
    "risk_to_life_action": [
        "Trailer opened at once and everyone moved to fresh air; ambulance called.",
        "Officers waded in to bring the boat ashore; coastguard took over the search.",
    ],
    "other_vulnerabilities_detail": [
        "One adult pregnant and taken to hospital as a precaution.",
        "One man with a visible injury to his hand, treated at scene.",
    ],
    "partner_delay_detail": [
        "Immigration Enforcement could not attend for four hours.",
        "Out-of-hours social worker took two hours to call back.",
    ],
    "welfare_support_offered": ["Defusing held at the end of shift; TRiM referral offered."],
    "resources_detail": [
        "Only two units available for eleven people; custody full.",
        "No van with a cage available; transport arranged with a neighbouring area.",
    ],
    "went_well": [
        "Quick cordon and clear roles at the scene.",
        "Good handover to Immigration Enforcement and the children's duty team.",
        "Phone interpreter reached within ten minutes.",
        "Driver arrested quickly and the lorry preserved for forensics.",
    ],
    "could_improve": [
        "Getting through to the NCCU took too long.",
        "The intelligence document was left until the end of the shift.",
        "Nobody was sure who would transport the people found.",
        "Phones were not seized before they were handed back.",
        "Start the intelligence document on the first call to the NCCU.",
        "Ask the control room to request an interpreter straight away.",
    ],
    "do_differently": [
        "Start the intelligence document on the first call to the NCCU.",
        "Ask the control room to request an interpreter straight away.",
    ],
    "notable_practice_detail": [
        "Control room set up a call with the NCCU and Border Force together.",
        "Children's services met officers at the scene within the hour.",
    ],
}

RETURN_REASONS = [
    "Say when the intelligence document will be submitted.",
    "Add what was done about the risk to life in more detail.",
    "Check the time the NCCU was contacted: it is before the event was reported.",
    "Give the reason no NRM referral was made.",
]
