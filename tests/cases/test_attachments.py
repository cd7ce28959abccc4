"""Attachments on every case (P1: the signed 业务受理单, screenshots, recordings; V2: who may
read them, every download audited): through the API and the case page, against the real
database and the attachment store in a temporary folder."""

import hashlib
import struct
import threading
import zlib
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client

from servicehall.cases import services as cases
from servicehall.cases.models import CaseAttachment
from servicehall.cases.services import attachments
from servicehall.core.models import AuditLog
from servicehall.settings import attachment_storage
from tests.conftest import client_for
from tests.factories import make_desk, make_hall, make_staff

pytestmark = pytest.mark.django_db


def png(width: int = 2, height: int = 2) -> bytes:
    """A real PNG (grey pixels)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    raw = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


PNG = png()
GOOD = {
    "受理单.pdf": (b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", "application/pdf"),
    "photo.jpg": (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01" + b"\x00" * 64, "image/jpeg"),
    "截图.PNG": (PNG, "image/png"),
    "anim.gif": (b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "image/gif"),
    "shot.webp": (b"RIFF\x1a\x00\x00\x00WEBPVP8 " + b"\x00" * 20, "image/webp"),
    "通话录音.mp3": (b"ID3\x03\x00\x00\x00\x00\x00\x0f" + b"\xff\xfb\x90\x00" * 8, "audio/mpeg"),
    "frames.mp3": (b"\xff\xfb\x90\x64" + b"\x00" * 64, "audio/mpeg"),
    "call.wav": (b"RIFF$\x00\x00\x00WAVEfmt " + b"\x00" * 24, "audio/wav"),
    "voice.m4a": (
        b"\x00\x00\x00\x20ftypM4A \x00\x00\x00\x00M4A mp42isom" + b"\x00" * 8,
        "audio/mp4",
    ),
    "memo.amr": (b"#!AMR\n" + b"\x3c\x48\xf5\x1f" * 8, "audio/amr"),
    "记录.txt": ("客户来电：宽带断线三次，已登记。\r\n".encode(), "text/plain"),
    "gbk.txt": ("营业厅来访记录，客户要求退费。".encode("gb18030"), "text/plain"),
}
HTML = b"<!DOCTYPE html><html><body><script>fetch('/api/cases')</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(document.cookie)"/>'
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 48
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 56
DISGUISED = {  # name, bytes -> the code of the refusal
    "photo.png (a web page)": ("photo.png", HTML, "file_not_as_named"),
    "photo.png (an SVG)": ("photo.png", SVG, "file_not_as_named"),
    "page.html": ("page.html", HTML, "bad_file_type"),
    "logo.svg": ("logo.svg", SVG, "bad_file_type"),
    "setup.exe": ("setup.exe", EXE, "bad_file_type"),
    "bill.pdf (an executable)": ("bill.pdf", EXE, "file_not_as_named"),
    "song.mp3 (an ELF binary)": ("song.mp3", ELF, "file_not_as_named"),
    "note.txt (a web page)": ("note.txt", HTML, "file_not_as_named"),
    "note.txt (markup inside)": (
        "note.txt",
        b"hello <script>alert(1)</script>",
        "file_not_as_named",
    ),
    "run.txt (a shell script)": ("run.txt", b"#!/bin/sh\ncurl x | sh\n", "file_not_as_named"),
    "photo.jpg (a PNG)": ("photo.jpg", PNG, "file_not_as_named"),
    "photo (no extension)": ("photo", PNG, "bad_file_type"),
}


@pytest.fixture
def store(settings, tmp_path):
    """The attachment store in a folder of this test's own."""
    settings.STORAGES = {
        **settings.STORAGES,
        "attachments": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "attachments")},
        },
    }
    return tmp_path / "attachments"


def stored_files(store: Path) -> list[Path]:
    return [p for p in store.rglob("*") if p.is_file()] if store.exists() else []


@pytest.fixture
def desk_case(hall, store):
    """A work order of the hall's front desk, opened by its clerk."""
    clerk, other = make_staff("clerk", hall), make_staff("clerk", hall)
    make_desk("front", hall, members=[clerk, other])
    case = cases.open_case(
        clerk,
        kind="work_order",
        channel="walk_in",
        category="other",
        description="宽带反复断线，客户签了业务受理单",
        desk="front",
    )
    return case, clerk, other


def upload(client, case, name, data, kind="screenshot", note=""):
    return client.post(
        f"/api/cases/{case.pk}/attachments",
        {"file": SimpleUploadedFile(name, data), "kind": kind, "note": note},
    )


def test_p1_an_attachment_is_kept_under_a_random_name_with_the_type_its_bytes_are(desk_case, store):
    case, clerk, _ = desk_case
    r = upload(client_for(clerk), case, "宽带测速截图.png", PNG, note="客户手机上的测速结果")
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["name"] == "宽带测速截图.png" and body["content_type"] == "image/png"
    assert body["size"] == len(PNG) and body["sha256"] == hashlib.sha256(PNG).hexdigest()
    assert body["kind"] == "screenshot" and body["kind_name"] == "截图"
    (path,) = stored_files(store)
    assert path.read_bytes() == PNG
    assert "宽带" not in path.name and path.suffix == ".png" and len(path.stem) == 32
    # outside anything served as static files
    assert not str(path).startswith(str(django_settings.STATIC_ROOT))
    listed = client_for(clerk).get(f"/api/cases/{case.pk}/attachments").json()
    assert [a["id"] for a in listed] == [body["id"]]


@pytest.mark.parametrize("name", list(GOOD))
def test_p1_pdfs_images_recordings_and_plain_text_are_accepted(desk_case, name):
    case, clerk, _ = desk_case
    data, content_type = GOOD[name]
    r = upload(client_for(clerk), case, name, data, kind="other")
    assert r.status_code == 201, r.json()
    assert r.json()["content_type"] == content_type


@pytest.mark.parametrize("label", list(DISGUISED))
def test_v2_disguised_and_dangerous_files_are_refused_naming_the_file(desk_case, store, label):
    case, clerk, _ = desk_case
    name, data, code = DISGUISED[label]
    r = upload(client_for(clerk), case, name, data)
    assert r.status_code == 422, r.content
    body = r.json()
    assert (body["code"], body["field"]) == (code, "file")
    assert body["message"] and body["message_en"] and body["message"] != body["message_en"]
    assert not CaseAttachment.objects.exists() and stored_files(store) == []
    assert not case.events.filter(kind="attachment_added").exists()


def test_p1_size_limit_and_empty_files(desk_case, settings, store):
    case, clerk, _ = desk_case
    settings.ATTACHMENT_MAX_BYTES = len(PNG) + 10
    api = client_for(clerk)
    r = upload(api, case, "big.png", PNG + b"\x00" * 11)
    assert r.status_code == 422 and (r.json()["code"], r.json()["field"]) == ("too_large", "file")
    assert "MB" in r.json()["message"] and "too large" in r.json()["message_en"]
    r = upload(api, case, "empty.png", b"")
    assert r.status_code == 422 and r.json()["code"] == "empty_file"
    assert upload(api, case, "fits.png", PNG + b"\x00" * 10).status_code == 201
    assert len(stored_files(store)) == 1
    # the default sits within what the request guard lets through
    assert django_settings.ATTACHMENT_MAX_BYTES <= django_settings.UPLOAD_MAX_BYTES


def test_p1_a_case_holds_at_most_the_configured_number_of_files(desk_case, settings, store):
    case, clerk, _ = desk_case
    settings.ATTACHMENTS_PER_CASE = 2
    api = client_for(clerk)
    assert [upload(api, case, f"{i}.png", PNG).status_code for i in range(2)] == [201, 201]
    r = upload(api, case, "third.png", PNG)
    assert r.status_code == 422 and r.json()["code"] == "too_many_attachments"
    assert len(stored_files(store)) == 2


def test_p1_file_names_are_cleaned(desk_case):
    case, clerk, _ = desk_case
    a = attachments.upload(
        clerk,
        case.pk,
        file=SimpleUploadedFile("x.png", PNG),
        name="..\\..\\windows/sys\u202etem\x07 " + "长" * 200 + ".png",
    )
    assert "/" not in a.name and "\\" not in a.name and "\x07" not in a.name
    assert "\u202e" not in a.name and len(a.name) == attachments.NAME_MAX
    assert a.name.startswith("system ") and a.name.endswith(".png")
    assert attachments.clean_name("../../.png") == "attachment.png"
    assert attachments.clean_name("a\x00b.txt") == "ab.txt"


def test_v2_another_halls_case_is_unknown_for_upload_list_download_and_delete(desk_case, store):
    case, clerk, _ = desk_case
    a = attachments.upload(clerk, case.pk, file=SimpleUploadedFile("a.png", PNG), name="a.png")
    west = make_hall("west-hall")
    for role in ("clerk", "hall_manager", "complaint_desk"):
        api = client_for(make_staff(role, west))
        responses = [
            upload(api, case, "b.png", PNG),
            api.get(f"/api/cases/{case.pk}/attachments"),
            api.get(f"/api/cases/{case.pk}/attachments/{a.pk}"),
            api.delete(f"/api/cases/{case.pk}/attachments/{a.pk}"),
            api.get(f"/cases/{case.pk}/attachments/{a.pk}"),  # the page's download link
        ]
        assert [r.status_code for r in responses] == [404] * 5, role
        assert all(r.json()["code"] == "unknown_case" for r in responses[:4])
    assert list(CaseAttachment.objects.values_list("pk", flat=True)) == [a.pk]
    assert len(stored_files(store)) == 1
    assert not AuditLog.objects.filter(object_type="case_attachment").exists()
    # the same hall's manager and quality see it; another case's id is unknown too
    assert (
        client_for(make_staff("hall_manager", case.hall))
        .get(f"/api/cases/{case.pk}/attachments/{a.pk}")
        .status_code
        == 200
    )
    other = cases.open_case(
        clerk, kind="work_order", channel="walk_in", category="other", description="另一张"
    )
    r = client_for(clerk).get(f"/api/cases/{other.pk}/attachments/{a.pk}")
    assert r.status_code == 404 and r.json()["code"] == "unknown_attachment"


def test_v2_every_download_is_audited_and_sent_as_an_attachment(desk_case):
    case, clerk, _ = desk_case
    a = attachments.upload(
        clerk, case.pk, file=SimpleUploadedFile("x", PNG), name='测速 "结果".png'
    )
    r = client_for(clerk).get(f"/api/cases/{case.pk}/attachments/{a.pk}")
    assert r.status_code == 200 and b"".join(r.streaming_content) == PNG
    assert r["Content-Type"] == "image/png"
    disposition = r["Content-Disposition"]
    assert disposition.startswith('attachment; filename="')
    assert "filename*=UTF-8''%E6%B5%8B%E9%80%9F%20%22%E7%BB%93%E6%9E%9C%22.png" in disposition
    assert r["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in r["Content-Security-Policy"]
    assert "default-src 'none'" in r["Content-Security-Policy"]
    assert "no-store" in r["Cache-Control"]
    (row,) = AuditLog.objects.filter(object_type="case_attachment")
    assert (row.actor, row.action, row.object_id) == (
        clerk,
        "attachment.download",
        f"{case.pk}:{a.pk}",
    )
    # the page's link: the same file, one more audit row
    page = client_for(clerk).get(f"/cases/{case.pk}/attachments/{a.pk}")
    assert page.status_code == 200 and page["Content-Disposition"].startswith("attachment;")
    assert AuditLog.objects.filter(object_type="case_attachment").count() == 2


def test_v2_a_signed_form_is_read_only_by_roles_that_may_unmask_with_a_reason(desk_case, hall):
    case, clerk, _ = desk_case
    form = attachments.upload(
        clerk,
        case.pk,
        file=SimpleUploadedFile("f.pdf", GOOD["受理单.pdf"][0]),
        name="业务受理单.pdf",
        kind="signed_form",
    )
    url = f"/api/cases/{case.pk}/attachments/{form.pk}"
    # the clerk uploaded it, but clerks do not see ID numbers unmasked (org/roles.py)
    assert client_for(clerk).get(url).status_code == 403
    desk = make_staff("complaint_desk", hall)
    case.desk.members.add(desk)
    api = client_for(desk)
    r = api.get(url)
    assert r.status_code == 422 and (r.json()["code"], r.json()["field"]) == ("required", "reason")
    r = api.get(url, {"reason": "."})
    assert r.status_code == 422 and r.json()["code"] == "too_short"
    assert not AuditLog.objects.filter(object_type="case_attachment").exists()
    r = api.get(url, {"reason": "核实客户签字"})
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    (row,) = AuditLog.objects.filter(object_type="case_attachment")
    assert (row.actor, row.action, row.reason, row.fields) == (
        desk,
        AuditLog.Action.PII_VIEW,
        "核实客户签字",
        ["file"],
    )
    # counted with every other unmasked view: the eleventh in ten minutes is refused
    for _ in range(9):
        assert api.get(url, {"reason": "核实客户签字"}).status_code == 200
    r = api.get(url, {"reason": "核实客户签字"})
    assert r.status_code == 429 and r.json()["code"] == "too_many_reveals"


def test_p1_uploads_and_deletions_are_on_the_timeline(desk_case):
    case, clerk, _ = desk_case
    api = client_for(clerk)
    a = upload(api, case, "受理单13912345678.png", PNG, kind="signed_form").json()
    assert a["name"] == "受理单139****5678.png"  # numbers in names masked (V2)
    r = api.delete(f"/api/cases/{case.pk}/attachments/{a['id']}?reason=传错了文件")
    assert r.status_code == 200 and r.json() == []
    page = api.get(f"/cases/{case.pk}/").content.decode()
    timeline = page[page.index('id="timeline"') :]
    assert "上传附件" in timeline and "删除附件" in timeline
    assert "受理单139****5678.png · 签字的业务受理单" in timeline and "传错了文件" in timeline
    assert "13912345678" not in page
    kinds = list(case.events.values_list("kind", flat=True))
    assert kinds[-2:] == ["attachment_added", "attachment_deleted"]
    deleted = case.events.get(kind="attachment_deleted")
    assert deleted.actor == clerk and deleted.data["sha256"] == hashlib.sha256(PNG).hexdigest()


def test_p1_only_the_uploader_or_a_manager_deletes_and_only_while_the_case_is_open(
    desk_case, hall, store, django_capture_on_commit_callbacks
):
    case, clerk, colleague = desk_case
    mine = attachments.upload(clerk, case.pk, file=SimpleUploadedFile("a.png", PNG), name="a.png")
    theirs = attachments.upload(
        colleague, case.pk, file=SimpleUploadedFile("b.png", PNG), name="b.png"
    )
    third = attachments.upload(clerk, case.pk, file=SimpleUploadedFile("c.png", PNG), name="c.png")
    api = client_for(clerk)
    r = api.delete(f"/api/cases/{case.pk}/attachments/{theirs.pk}")
    assert r.status_code == 403 and r.json()["code"] == "forbidden"
    quality = client_for(make_staff("quality_supervisor", hall))  # sees it, does not work on it
    assert quality.delete(f"/api/cases/{case.pk}/attachments/{mine.pk}").status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        assert api.delete(f"/api/cases/{case.pk}/attachments/{mine.pk}").status_code == 200
        manager = client_for(make_staff("hall_manager", hall))
        assert manager.delete(f"/api/cases/{case.pk}/attachments/{theirs.pk}").status_code == 200
    assert list(CaseAttachment.objects.values_list("pk", flat=True)) == [third.pk]
    assert len(stored_files(store)) == 1  # the deleted ones' files are gone from the store
    # closed: nothing is deleted any more, not even by the uploader
    case.refresh_from_db()
    from django.utils import timezone

    case.closed_at = timezone.now()
    case.save(update_fields=["closed_at"])
    r = api.delete(f"/api/cases/{case.pk}/attachments/{third.pk}")
    assert r.status_code == 409 and r.json()["code"] == "case_closed"
    assert upload(api, case, "late.png", PNG).status_code == 409
    assert CaseAttachment.objects.count() == 1 and len(stored_files(store)) == 1


def test_p1_the_case_page_lists_files_and_refuses_in_the_interface_language(desk_case):
    case, clerk, _ = desk_case
    attachments.upload(clerk, case.pk, file=SimpleUploadedFile("a.png", PNG), name="测速.png")
    c = client_for(clerk)
    page = c.get(f"/cases/{case.pk}/").content.decode()
    section = page[page.index('id="attachments"') :]
    assert "测速.png" in section and 'data-kind="other"' in section and "其他" in section
    assert 'id="attachment-upload"' in section and 'enctype="multipart/form-data"' in section
    assert f"/cases/{case.pk}/attachments/" in section
    r = c.post(
        f"/cases/{case.pk}/attachments",
        {"file": SimpleUploadedFile("x.png", HTML), "kind": "screenshot"},
        follow=True,
    )
    assert "文件内容与扩展名不符" in r.content.decode()
    assert "does not match" not in r.content.decode()
    en = client_for(clerk, "en")
    r = en.post(
        f"/cases/{case.pk}/attachments",
        {"file": SimpleUploadedFile("x.png", HTML), "kind": "screenshot"},
        follow=True,
    )
    assert "does not match its name" in r.content.decode()
    r = c.post(
        f"/cases/{case.pk}/attachments",
        {"file": SimpleUploadedFile("截图.png", PNG), "kind": "screenshot"},
        follow=True,
    )
    assert "已上传“截图.png”" in r.content.decode()
    assert CaseAttachment.objects.filter(case=case).count() == 2


def test_p1_settings_pick_the_attachment_store(tmp_path):
    local = attachment_storage({}, tmp_path)
    assert local["BACKEND"] == "django.core.files.storage.FileSystemStorage"
    assert local["OPTIONS"]["location"] == str(tmp_path / "attachments")
    assert local["OPTIONS"]["base_url"] is None  # no URL of its own: downloads are audited
    s3 = attachment_storage(
        {
            "SERVICEHALL_S3_BUCKET": "hall-files",
            "SERVICEHALL_S3_ENDPOINT_URL": "https://oss.example.cn",
            "SERVICEHALL_S3_REGION": "cn-north-1",
        },
        tmp_path,
    )
    assert s3["BACKEND"] == "storages.backends.s3.S3Storage"
    assert s3["OPTIONS"] == {
        "bucket_name": "hall-files",
        "location": "attachments",
        "file_overwrite": False,
        "endpoint_url": "https://oss.example.cn",
        "region_name": "cn-north-1",
    }


@pytest.mark.django_db(transaction=True)
def test_p1_simultaneous_uploads_never_pass_the_per_case_limit(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "attachments": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "attachments")},
        },
    }
    settings.ATTACHMENTS_PER_CASE = 3
    hall = make_hall("attachment-race")
    clerks = [make_staff("clerk", hall) for _ in range(8)]
    make_desk("front", hall, members=clerks)
    case = cases.open_case(
        clerks[0],
        kind="work_order",
        channel="walk_in",
        category="other",
        description="同时上传",
        desk="front",
    )
    barrier = threading.Barrier(len(clerks))
    codes = [None] * len(clerks)

    def run(i, user):
        try:
            c = Client()
            c.force_login(user)
            barrier.wait(timeout=30)
            codes[i] = upload(c, case, f"{i}.png", PNG).status_code
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, u)) for i, u in enumerate(clerks)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert sorted(codes) == [201] * 3 + [422] * 5, codes
    assert CaseAttachment.objects.filter(case=case).count() == 3
    assert case.events.filter(kind="attachment_added").count() == 3
    assert len(stored_files(tmp_path / "attachments")) == 3  # the refused ones' copies removed
