"""The complaint desk's own error codes (the shared ones are core.errors.Code)."""

from enum import StrEnum


class Code(StrEnum):
    # a complaint's operation (stage, compensation, upgrade, verification) on another case type
    NOT_A_COMPLAINT = "not_a_complaint"

    # --- appeals (P2, P3, L1)
    UNKNOWN_APPEAL_SOURCE = "unknown_appeal_source"
    DUPLICATE_APPEAL = "duplicate_appeal"  # the source's reference number is registered already
    FUTURE_DATE = "future_date"  # a date received (or of the matter) after today
    UNCONFIRMED_WARNINGS = "unconfirmed_warnings"  # intake warnings not yet confirmed by staff

    # --- compensation, upgraded complaints and the monthly report (P6, P1, P3)
    UNKNOWN_OFFER = "unknown_offer"
    OWN_OFFER = "own_offer"  # the clerk who made an offer cannot approve it (four eyes)
    OFFER_NOT_PENDING = "offer_not_pending"  # decided already, or never needed a decision
    OFFER_ANSWERED = "offer_answered"  # the customer accepted or refused it already
    ALREADY_UPGRADED = "already_upgraded"
    NOT_AN_EARLIER_COMPLAINT = "not_an_earlier_complaint"  # the first complaint named is not one

    # --- complaint stages (P1)
    STEPS_INCOMPLETE = "steps_incomplete"  # accept: one of 倾听 询问 安抚 确认 not ticked
    STEPS_OUT_OF_ORDER = "steps_out_of_order"  # accept: the four steps not in the handbook's order
    CAUSES_OUT_OF_ORDER = "causes_out_of_order"  # clarify: causes not in the handbook's order
    FORBIDDEN_PHRASE = "forbidden_phrase"  # a text staff wrote holds a phrase the handbook forbids

    # --- subscription disputes (P4)
    UNKNOWN_SUBSCRIPTION = "unknown_subscription"  # no evidence of this service on the lines
