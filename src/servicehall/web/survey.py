"""The customer's survey page (C5, S1), reached from the link in a text message: is the problem
solved, and how was the service, overall and on the five dimensions. No sign-in: the link's
token is the key; the page shows no personal data. A browser where staff are signed in is
refused (403): the answer is the customer's own (C5)."""

from django.shortcuts import render

from servicehall.core.errors import ServiceError
from servicehall.surveys import services
from servicehall.surveys.models import DIMENSIONS

from .forms import error_text

CHOICE = {"yes": True, "no": False}


def survey(request, token):
    try:
        s = services.get_open(token)
        services.check_respondent(request.user)  # staff signed in here: refused (C5)
    except ServiceError as exc:
        ctx = {"fatal": error_text(exc), "fatal_code": exc.code}
        return render(request, "web/survey/survey.html", ctx, status=exc.status)
    ctx = {"survey": s, "dimensions": DIMENSIONS, "scores": range(1, 6), "values": {}}
    if s.answered_at:
        return render(request, "web/survey/survey.html", ctx | {"done": True})
    if request.method == "POST":
        values = request.POST
        try:
            services.answer(
                token,
                resolved=CHOICE.get(values.get("resolved")),
                scores={k: values.get(k) for k in ("overall", *(d[0] for d in DIMENSIONS))},
                comment=values.get("comment", ""),
                session_user=request.user,
            )
        except ServiceError as exc:
            ctx |= {"error": error_text(exc), "error_field": exc.field, "values": values}
            return render(request, "web/survey/survey.html", ctx, status=exc.status)
        return render(request, "web/survey/survey.html", ctx | {"done": True, "thanked": True})
    return render(request, "web/survey/survey.html", ctx)
