"""The error codes of the queue (tickets, counters, appointments): one code for one mistake. Shared mistakes (a required
field, a text too long, a stale version, …) use `core.errors.Code`; a code lives in exactly one
enum (tests/test_architecture.py checks it)."""

from enum import StrEnum


class Code(StrEnum):
    ALREADY_BOOKED = "already_booked"
    ALREADY_CALLED = "already_called"
    ALREADY_PAUSED = "already_paused"
    ALREADY_QUIET = "already_quiet"
    ALREADY_WAITING = "already_waiting"  # this phone number already waits for this service type
    APPOINTMENT_CLOSED = "appointment_closed"
    BUSY = "busy"
    CANNOT_CANCEL = "cannot_cancel"
    COUNTER_PAUSED = "counter_paused"
    COUNTER_TAKEN = "counter_taken"
    DAY_OUT_OF_RANGE = "day_out_of_range"
    HALL_CLOSED = "hall_closed"
    INVALID_SLOT = "invalid_slot"
    LAST_LINE = "last_line"  # closing a counter's only line, or the last one serving a waiting line
    NO_APPOINTMENT = "no_appointment"
    NO_QUIET_AREA = "no_quiet_area"
    NOT_AT_COUNTER = "not_at_counter"
    NOT_FOR_THIS_COUNTER = "not_for_this_counter"
    NOT_PAUSED = "not_paused"
    NOT_SIGNED_IN = "not_signed_in"
    NOT_WAITING = "not_waiting"
    NO_SHIFT_COVERS = "no_shift_covers"  # an interval needs staff and no shift template covers it
    NO_SHIFT_TEMPLATES = "no_shift_templates"
    NO_TICKET_HISTORY = "no_ticket_history"  # a shift plan needs the hall's past tickets
    OUTSIDE_HOURS = "outside_hours"
    QUEUE_EMPTY = "queue_empty"
    RECALL_FIRST = "recall_first"
    SERVICE_TYPE_NOT_OFFERED = "service_type_not_offered"
    SLOT_FULL = "slot_full"
    SLOT_IN_PAST = "slot_in_past"
    TICKET_IN_SERVICE = "ticket_in_service"
    UNKNOWN_APPOINTMENT = "unknown_appointment"
    UNKNOWN_COUNTER = "unknown_counter"
    UNKNOWN_NUMBER = "unknown_number"
    UNKNOWN_SERVICE_TYPE = "unknown_service_type"
    UNKNOWN_TICKET = "unknown_ticket"
    VIP_COUNTER = "vip_counter"
