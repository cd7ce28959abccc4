"""The sign-in page and the admin's: Django's forms with the throttle of org.signin in front of
the password check, and the session clock (idle 30 minutes, 12 hours at most for staff)."""

from __future__ import annotations

import time

from django import forms as django_forms
from django.contrib import auth
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView, redirect_to_login
from django.utils.deprecation import MiddlewareMixin
from django.utils.translation import gettext_lazy as _

from servicehall.core.errors import RateLimited
from servicehall.core.ratelimit import client_address
from servicehall.org import signin

from .forms import LIVE_REFRESH_HEADER, error_text


class ThrottledSignIn:
    """`clean` of Django's sign-in form with the failures counted and locks enforced."""

    locked = ""  # the lock's message in the interface language, when refused for one
    retry_after = 0

    def clean(self):
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username is not None and password:
            try:
                self.user_cache = signin.authenticate(
                    self.request, username, password, client_address(self.request)
                )
            except RateLimited as exc:
                self.locked, self.retry_after = error_text(exc), exc.retry_after
                raise django_forms.ValidationError(self.locked, code="rate_limited") from None
            if self.user_cache is None:
                raise self.get_invalid_login_error()
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data


class SignInForm(ThrottledSignIn, AuthenticationForm):
    pass


class AdminSignInForm(ThrottledSignIn, AdminAuthenticationForm):
    pass


class SignInView(LoginView):
    template_name = "web/login.html"
    form_class = SignInForm

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ended = self.request.session.pop("signed_out", None)
        ctx["signed_out"] = ENDED.get(ended, "")
        return ctx

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if form.locked:
            response.status_code = 429
            response["Retry-After"] = str(form.retry_after)
        return response


ENDED = {
    "idle": _("You were signed out after 30 minutes without activity. Please sign in again."),
    "absolute": _("You were signed out after 12 hours. Please sign in again."),
}

# Requests a page makes by itself while open (live refreshes, event streams): not activity.
_BY_ITSELF = ("partial", "events", "waiting", "queue", "progress")


class SessionExpiryMiddleware(MiddlewareMixin):
    """Ends a staff session idle for 30 minutes or older than 12 hours (org.signin), after
    AuthenticationMiddleware. The session is written at most once a minute for activity."""

    def process_request(self, request):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        session = request.session
        now = int(time.time())
        signed_in_at, seen_at = session.get("signed_in_at"), session.get("seen_at")
        if signed_in_at is None or seen_at is None:  # a session from before this clock:
            signin.on_signed_in(None, request, user)  # its clock and length start now
            return None
        ended = signin.session_ended(user, signed_in_at, seen_at, now)
        if ended:
            auth.logout(request)
            request.session["signed_out"] = ended
            if request.path.startswith("/api/"):
                return None  # the API answers 401 itself
            return redirect_to_login(request.get_full_path())
        by_itself = request.headers.get(LIVE_REFRESH_HEADER) or (
            request.path.rstrip("/").rsplit("/", 1)[-1] in _BY_ITSELF
        )
        if not by_itself and now - seen_at >= 60:
            session["seen_at"] = now
        return None
