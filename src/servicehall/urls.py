from django.contrib import admin
from django.urls import include, path

from servicehall.api import api
from servicehall.web.signin import AdminSignInForm

admin.site.site_header = "ServiceHall 管理 Administration"
admin.site.site_title = "ServiceHall"
admin.site.login_form = AdminSignInForm  # the same failed-sign-in throttle as /login/

# A database away (an outage) is a 503 in words, not a 500 (web.views.server_error).
handler500 = "servicehall.web.views.server_error"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("servicehall.web.urls")),
]

handler500 = "servicehall.web.views.server_error"
