"""English renderings of the rule's Chinese texts for the pages' `lang=en`: level names,
reason texts (§6.3.1.1 a–m, §6.3.2.1 a–k), the standard's and the rule's titles. The
Chinese of the rule stays authoritative (registry/rules/)."""
# ruff: noqa: E501  (one reason a line, as in registry/rules/reasons.py)

from registry.answers import CANCELLATION_TEXT, RULE, STANDARD
from registry.rules import levels, reasons

LEVEL_NAMES = {1: "Planning", 2: "Standardised", 3: "Integrated", 4: "Optimised", 5: "Leading"}

SUSPENSION_REASONS = {
    "a": "For reasons of its own, the holder could not undergo surveillance or recertification evaluation in time, and the time limit has passed",
    "b": "The holder's service was found to fail the certification requirements persistently or seriously",
    "c": "The certificate or certification mark was misused and no corrective action was taken",
    "d": "The holder was ordered by a law-enforcement or supervisory authority to suspend business for rectification",
    "e": "The local certification supervisory authority found problems in the holder's service that require suspension",
    "f": "An administrative licence or qualification certificate has expired; the renewal application has been accepted but not yet granted",
    "g": "The holder asked for the suspension",
    "h": "Nonconformities raised in surveillance were not corrected in time without a reasonable explanation (or the corrective actions were not shown to be effective)",
    "i": "Sample testing after certification showed the service does not meet the requirements, though immediate revocation is not needed",
    "j": "Sampling could not be carried out for reasons on the service provider's side",
    "k": "Changes affecting conformity (service process, organisation, name, address or scope) were not notified to CESI Certification in time",
    "l": "The holder did not carry out the responsibilities and obligations of the certification contract",
    "m": "A major accident occurred in the holder's service",
}

REVOCATION_REASONS = {
    "a": "The holder's legal status documents were cancelled or revoked",
    "b": "The holder was listed as a seriously dishonest enterprise for quality credit by the national authority",
    "c": "The holder refused supervisory inspection, or gave false material or information to the inquiry",
    "d": "The holder did not take effective corrective action within the suspension period (including an expired licence whose renewal was not granted)",
    "e": "The holder's management system was found to violate laws and regulations seriously",
    "f": "A major accident occurred in the holder's service, confirmed by the authorities to be the holder's fault",
    "g": "The holder no longer runs the service, or can no longer run it (dissolution, bankruptcy, closure or other causes)",
    "h": "The certification was cited or advertised wrongly with serious effect, or not corrected within 2 months of CESI Certification's request",
    "i": "The certification rule changed during the validity and the holder chose not to meet the new requirements",
    "j": "Other serious breaches of the agreement with CESI Certification, with serious effect, confirmed on investigation",
    "k": "The holder asked for the certificate to be revoked",
}

# The rule's Chinese text -> its English rendering.
TEXTS = {
    STANDARD: "GB/T 42202-2022 Intelligent manufacturing — Mass personalized customization — General requirements",
    RULE: "CESI-SC-OD13 Certification rule for mass personalized customization services",
    CANCELLATION_TEXT: "The holder applied to cancel the certificate",
    **{zh: SUSPENSION_REASONS[code] for code, zh in reasons.SUSPENSION_REASONS.items()},
    **{zh: REVOCATION_REASONS[code] for code, zh in reasons.REVOCATION_REASONS.items()},
}


def in_language(text: str | None, lang: str) -> str:
    """A text of the rule in the page's language (the Chinese itself for zh)."""
    if text is None:
        return ""
    return TEXTS.get(text, text) if lang == "en" else text


def level_name(level: int, lang: str) -> str:
    return (LEVEL_NAMES if lang == "en" else levels.LEVEL_NAMES).get(level, str(level))
