"""V2, L5: roles change only through an audited form in the admin (who, whom, from → to); an
administrator never changes their own roles, never grants a role that unmasks, and cannot
make anyone superuser or staff, nor give single permissions (org/services.py)."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.test import Client

from servicehall.core.models import AuditLog
from servicehall.org import services
from servicehall.org.roles import roles_of
from tests.factories import make_staff

pytestmark = pytest.mark.django_db
User = get_user_model()


def form_of(user, **changes) -> dict:
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "is_active": "on",
        "roles": [r.code for r in roles_of(user)],
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


@pytest.fixture
def admins(hall):
    admin_user = make_staff("administrator", hall)
    c = Client()
    c.force_login(admin_user)
    return admin_user, c


def code_names(user) -> list[str]:
    return sorted(r.code for r in roles_of(User.objects.get(pk=user.pk)))


def test_v2_role_change_in_the_admin_is_audited(admins, hall):
    admin_user, c = admins
    clerk = make_staff("clerk", hall)
    url = f"/admin/auth/user/{clerk.pk}/change/"
    r = c.post(url, form_of(clerk, roles=["clerk", "hall_manager"]))
    assert r.status_code == 302, r.content.decode()[-3000:]
    assert code_names(clerk) == ["clerk", "hall_manager"]
    log = AuditLog.objects.get(action="role.change")
    assert (log.actor, log.object_type, log.object_id) == (admin_user, "user", str(clerk.pk))
    assert log.reason == f"{clerk.username}: 综合受理员 → 综合受理员、营业厅经理"
    # an unchanged save writes nothing more
    assert c.post(url, form_of(User.objects.get(pk=clerk.pk))).status_code == 302
    assert AuditLog.objects.filter(action="role.change").count() == 1


def test_v2_administrator_cannot_change_own_roles_nor_flags(admins):
    admin_user, c = admins
    url = f"/admin/auth/user/{admin_user.pk}/change/"
    r = c.post(url, form_of(admin_user, roles=["administrator", "complaint_desk"]))
    assert r.status_code == 200 and "不能修改自己的角色" in r.content.decode()
    assert code_names(admin_user) == ["administrator"]
    # superuser, staff flag and single permissions are not fields: posting them does nothing
    perm = Permission.objects.get(codename="view_unmasked_pii")
    r = c.post(
        url,
        form_of(admin_user, is_superuser="on", is_staff="on", user_permissions=[perm.pk]),
    )
    assert r.status_code == 302
    fresh = User.objects.get(pk=admin_user.pk)
    assert not fresh.is_superuser and not fresh.user_permissions.exists()
    assert not fresh.has_perm("customers.view_unmasked_pii")
    page = c.get(url).content.decode()
    assert 'name="is_superuser"' not in page and 'name="user_permissions"' not in page
    assert 'name="groups"' not in page
    assert not AuditLog.objects.filter(action="role.change").exists()


def test_v2_unmasking_role_is_not_granted_from_the_admin(admins, hall):
    admin_user, c = admins
    other = make_staff("clerk", hall)
    for role in ("complaint_desk", "care_desk", "account_manager"):
        r = c.post(f"/admin/auth/user/{other.pk}/change/", form_of(other, roles=["clerk", role]))
        assert r.status_code == 200 and "不能在管理后台授予" in r.content.decode(), role
    assert code_names(other) == ["clerk"]
    # a puppet account made here gets no unmasking role either
    r = c.post(
        "/admin/auth/user/add/",
        {
            "username": "puppet",
            "password1": "Xk3!pq9zLm",
            "password2": "Xk3!pq9zLm",
            "usable_password": "true",
        },
    )
    assert r.status_code == 302
    puppet = User.objects.get(username="puppet")
    r = c.post(f"/admin/auth/user/{puppet.pk}/change/", form_of(puppet, roles=["complaint_desk"]))
    assert r.status_code == 200 and not puppet.groups.exists()
    # taking such a role away is allowed, audited
    desk = make_staff("complaint_desk", hall)
    r = c.post(f"/admin/auth/user/{desk.pk}/change/", form_of(desk, roles=["clerk"]))
    assert r.status_code == 302 and code_names(desk) == ["clerk"]
    assert AuditLog.objects.filter(action="role.change", object_id=str(desk.pk)).exists()


def test_v2_server_grants_an_unmasking_role_audited(hall):
    from servicehall.core.audit import system_actor

    clerk = make_staff("clerk", hall)
    server = system_actor("server")
    assert services.set_roles(
        server, clerk, ["complaint_desk"], from_admin=False, reason="工单 HR-7"
    )
    assert User.objects.get(pk=clerk.pk).has_perm("customers.view_unmasked_pii")
    log = AuditLog.objects.get(action="role.change")
    assert log.actor == server and "投诉专席" in log.reason and "HR-7" in log.reason


def test_v2_password_set_in_the_admin_is_audited(admins, hall):
    admin_user, c = admins
    desk = make_staff("clerk", hall)
    r = c.post(
        f"/admin/auth/user/{desk.pk}/password/",
        {"password1": "Xk3!pq9zLm", "password2": "Xk3!pq9zLm", "usable_password": "true"},
    )
    assert r.status_code == 302
    log = AuditLog.objects.get(action="user.password")
    assert (log.actor, log.object_id) == (admin_user, str(desk.pk))


def test_v2_no_password_of_an_unmasking_account_is_set_from_the_admin(admins, hall):
    """The probe set a complaint desk's password, signed in as them and revealed an ID number
    in their name: an account that may unmask gets no password from the admin."""
    _admin_user, c = admins
    desk = make_staff("complaint_desk", hall)
    before = get_user_model().objects.get(pk=desk.pk).password
    assert c.get(f"/admin/auth/user/{desk.pk}/password/").status_code == 403
    r = c.post(
        f"/admin/auth/user/{desk.pk}/password/",
        {"password1": "Xk3!pq9zLm", "password2": "Xk3!pq9zLm", "usable_password": "true"},
    )
    assert r.status_code == 403
    assert get_user_model().objects.get(pk=desk.pk).password == before
    assert not AuditLog.objects.filter(action="user.password").exists()
