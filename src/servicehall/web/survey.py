"""The customer's survey page (C5, S1), reached from the link in a text message: is the problem
solved, and how was the service, overall and on the five dimensions. No sign-in: the link's
token is the key; the page shows no personal data."""

from django.shortcuts import render

from servicehall.core.errors import ServiceError
from servicehall.surveys import services
from servicehall.surveys.models import DIMENSIONS

from .forms import error_text

CHOICE = {"yes": True, "no": False}


def survey(request, token):
    try:
        s = services.get_open(token)
    except ServiceError as exc:
        return render(request, "web/survey/survey.html", {"fatal": error_text(exc)}, status=404)
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
            )
        except ServiceError as exc:
            ctx |= {"error": error_text(exc), "error_field": exc.field, "values": values}
            return render(request, "web/survey/survey.html", ctx, status=exc.status)
        return render(request, "web/survey/survey.html", ctx | {"done": True, "thanked": True})
    return render(request, "web/survey/survey.html", ctx)
