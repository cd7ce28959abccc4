"""Staff notices (C8): the live channel of one staff member — a chat handed over to them or to
their desk, cases arriving at their desks, for quality supervisors someone reaching the limit of
unmasked views (V2) — which every staff page of someone who handles
cases listens to (static/web/notices.js; the badge is the `unanswered_chats` tag)."""

from servicehall.cases import services

from .access import page
from .streams import stream_channel


@page("cases.handle_case", "cases.view_all_cases")  # quality: the reveal-limit alerts (V2)
async def events(request):
    user = await request.auser()
    return await stream_channel(services.staff_channel(user.pk), presence=True)
