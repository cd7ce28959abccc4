"""The complaint desk's own error codes (the shared ones are core.errors.Code)."""

from enum import StrEnum


class Code(StrEnum):
    # --- complaint stages (P1)
    STEPS_INCOMPLETE = "steps_incomplete"  # accept: one of 倾听 询问 安抚 确认 not ticked
    STEPS_OUT_OF_ORDER = "steps_out_of_order"  # accept: the four steps not in the handbook's order
    CAUSES_OUT_OF_ORDER = "causes_out_of_order"  # clarify: causes not in the handbook's order
    FORBIDDEN_PHRASE = "forbidden_phrase"  # a text staff wrote holds a phrase the handbook forbids
    NOT_A_COMPLAINT = "not_a_complaint"  # a complaint's operation on another case type
