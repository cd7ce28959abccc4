"""V4, L3, M1: hostile import files are refused in words — a 422 naming the line and the column,
in Chinese and English — never a 500, a frozen process or half-written data. Every number and
date cell goes through one bounded parser (core/validate.py); files are read row by row within
the kind's size and row limits (core/tables.py, settings.IMPORT_LIMITS). The files are made here;
the big ones lazily (a sparse file, a claimed length). Run on SQLite and on PostgreSQL: a value
the parser let through would fail in PostgreSQL's numeric and integer columns."""

import io
import time

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from servicehall.cases.bill_shock import import_bills
from servicehall.catalog import triples
from servicehall.catalog.importer import import_catalog
from servicehall.catalog.models import Product, Tier
from servicehall.core.errors import ServiceError
from servicehall.customers.models import Bill
from tests import factories
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

HEADER = "号码,月份,金额,通话分钟,流量MB\n"
GOOD = "13900001111,2026-09,58.00,100,2048\n"
LIMITS = {
    "bills": {"bytes": 20 * 1024 * 1024, "rows": 200_000},
    "catalogue": {"bytes": 5 * 1024 * 1024, "rows": 20_000},
    "kb": {"bytes": 50 * 1024 * 1024, "rows": 1_000_000},
}


@pytest.fixture
def care(hall):
    return factories.make_staff("care_desk", hall)


@pytest.fixture
def admin(hall):
    return factories.make_staff("administrator", hall)


def refused(call) -> ServiceError:
    with pytest.raises(ServiceError) as err:
        call()
    return err.value


@pytest.mark.parametrize(
    ("row", "field", "column"),
    [
        ("13900001111,2026-10,1e1000000,1,1", "amount", "金额"),
        ("13900001111,2026-10,NaN,1,1", "amount", "金额"),
        ("13900001111,2026-10,Infinity,1,1", "amount", "金额"),
        ("13900001111,2026-10,-Infinity,1,1", "amount", "金额"),
        ("13900001111,2026-10,1e20,1,1", "amount", "金额"),
        ("13900001111,2026-10,123456789012,1,1", "amount", "金额"),  # beyond NUMERIC(10,2)
        ("13900001111,2026-10,0.001,1,1", "amount", "金额"),
        ("13900001111,2026-10,1,1e1000000,1", "voice_minutes", "通话分钟"),
        ("13900001111,2026-10,1,99999999999,1", "voice_minutes", "通话分钟"),  # beyond INTEGER
        ("13900001111,2026-10,1,1,99999999999999999999", "data_mb", "流量MB"),  # beyond BIGINT
        ("13900001111,0000-10,1,1,1", "month", "月份"),  # year 0
        ("13900001111,9999-10,1,1,1", "month", "月份"),
    ],
)
def test_v4_l3_hostile_number_and_date_cells_are_refused_by_line_and_column(
    care, row, field, column
):
    t0 = time.monotonic()
    exc = refused(lambda: import_bills(care, (HEADER + GOOD + row + "\n").encode(), "b.csv"))
    assert time.monotonic() - t0 < 5  # 1e1000000 held a process for 20 s and more
    assert (exc.status, exc.code, exc.field) == (422, "bad_rows", "file")
    assert [(e["line"], e["field"]) for e in exc.extra["errors"]] == [(3, field)]
    assert exc.zh.startswith(f"第3行“{column}”列有误") and "未导入任何数据" in exc.zh
    assert exc.en.startswith("Line 3, column ") and "nothing was imported" in exc.en
    assert not Bill.objects.exists()


def test_v4_l3_excel_numbers_and_text_take_the_same_parser(care):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["号码", "月份", "金额"])
    ws.append(["13900001111", "2026-10", 88.5])  # a number cell
    ws.append(["13900001112", "2026-10", 1e20])  # a float Excel writes as 1E+20
    ws.append(["13900001113", "2026-10", "1e1000000"])  # text
    buf = io.BytesIO()
    wb.save(buf)
    exc = refused(lambda: import_bills(care, buf.getvalue(), "b.xlsx"))
    assert [(e["line"], e["field"]) for e in exc.extra["errors"]] == [(3, "amount"), (4, "amount")]
    assert not Bill.objects.exists()


def test_v4_l3_a_line_and_month_twice_names_both_lines(care):
    data = HEADER + GOOD + "13900002222,2026-10,1,,\n" + "139-0000-1111,2026年09月,60,,\n"
    exc = refused(lambda: import_bills(care, data.encode(), "b.csv"))
    assert exc.extra["errors"] == [
        {
            "line": 4,
            "field": "month",
            "value": "2026年09月",
            "message": "与第2行的号码和月份重复",
            "message_en": "the same number and month as line 2",
        }
    ]
    assert not Bill.objects.exists()


def test_v4_bare_carriage_returns_a_bom_and_gbk_import(care):
    for data in (
        (HEADER + GOOD).replace("\n", "\r").encode(),  # old Excel for Mac: bare CR
        "\ufeff".encode() + (HEADER + GOOD).replace("\n", "\r\n").encode(),  # BOM, CRLF
        (HEADER + GOOD).encode("gbk"),  # Excel's CSV on Chinese Windows
    ):
        assert import_bills(care, data, "b.csv")["imported"] == 1
    assert Bill.objects.get().amount == 58


def test_v4_a_file_mixing_encodings_is_refused_naming_the_line(care):
    rows = "".join(f"1390000{i:04d},2026-10,1,,\n" for i in range(3000))  # > the 64 KB sniffed
    data = (HEADER + rows).encode() + "13900009999,2026年10月,1,,\n".encode("gbk")
    exc = refused(lambda: import_bills(care, data, "b.csv"))
    assert (exc.status, exc.code) == (422, "bad_file")
    assert exc.zh.startswith("第3002行：编码与文件其他行（UTF-8）不同") and "Line 3002" in exc.en
    assert not Bill.objects.exists()


def test_v4_a_nul_in_a_csv_names_the_line(care):
    data = (HEADER + GOOD).encode() + b"13900001112,2026-10,1\x00,,\n"
    exc = refused(lambda: import_bills(care, data, "b.csv"))
    assert exc.code == "bad_file" and exc.zh.startswith("第3行：文件不是CSV文本")


def test_v4_the_row_limit_stops_reading_the_file(care, tmp_path):
    """Rows are read one by one: past the limit the import stops, the rest unread."""
    path = tmp_path / "many.csv"
    with path.open("wb") as f:
        f.write(HEADER.encode())
        f.write(b"13900001111,2026-10,1,,\n" * 400_000)  # 9.6 MB
    limits = {**LIMITS, "bills": {"bytes": 20 * 1024 * 1024, "rows": 1000}}
    with override_settings(IMPORT_LIMITS=limits), path.open("rb") as f:
        exc = refused(lambda: import_bills(care, f, "many.csv"))
        assert f.tell() < 1024 * 1024  # stopped within the first megabyte
    assert exc.code == "too_many_rows" and "一次最多导入1000行（第1002行已超出）" in exc.zh


def test_v4_a_150_mb_file_is_refused_before_it_is_read(care, tmp_path):
    path = tmp_path / "huge.csv"
    with path.open("wb") as f:
        f.truncate(150 * 1024 * 1024)  # sparse: 150 MB long, nothing written to disk
    t0 = time.monotonic()
    with path.open("rb") as f:
        exc = refused(lambda: import_bills(care, f, "huge.csv"))
        assert f.tell() == 0
    assert time.monotonic() - t0 < 2  # the old import took 27 s and 3.4 GB before refusing
    assert (exc.status, exc.code) == (413, "too_large")
    assert exc.zh == "文件过大：最大20MB（本文件150.0MB）"


@pytest.mark.parametrize(
    ("cells", "field"),
    [
        ({"月费": "1e1000000"}, "price"),
        ({"月费": "NaN"}, "price"),
        ({"流量MB": "1e1000000"}, "data_mb"),
        ({"通话分钟": "3000000000"}, "voice_minutes"),
        ({"流量超出(元/MB)": "12345678.5"}, "data_overage"),  # beyond NUMERIC(8,4)
        ({"上架日期": "0000-01-01"}, "on_sale"),
        ({"优惠名称": "返还", "每月返还(元)": "99999999", "返还月数": "24"}, "promotion_months"),
    ],
)
def test_m1_hostile_catalogue_cells_are_refused_by_line_and_column(admin, cells, field):
    header = ["产品", "类型", "档位", "月费", "流量MB", "通话分钟", "流量超出(元/MB)", "上架日期"]
    header += ["优惠名称", "每月返还(元)", "返还月数"]
    row = dict.fromkeys(header, "") | {"产品": "某卡", "类型": "主套餐", "档位": "1档"}
    row |= {"月费": "99999999"} | cells
    data = ",".join(header) + "\n" + ",".join(row[h] for h in header) + "\n"
    t0 = time.monotonic()
    exc = refused(lambda: import_catalog(admin, data.encode(), "c.csv"))
    assert time.monotonic() - t0 < 5
    assert (exc.status, exc.code) == (422, "bad_rows")
    assert [(e["line"], e["field"]) for e in exc.extra["errors"]] == [(2, field)]
    assert not Product.objects.exists() and not Tier.objects.exists()


def test_m1_a_tier_twice_names_the_line_it_first_appeared_on(admin):
    data = "产品,类型,档位,月费\n某卡,主套餐,1档,10\n某卡,主套餐,2档,20\n某卡,主套餐,1档,30\n"
    exc = refused(lambda: import_catalog(admin, data.encode(), "c.csv"))
    [error] = exc.extra["errors"]
    assert (error["line"], error["field"], error["message"]) == (
        4,
        "tier",
        "与第2行的产品和档位重复",
    )


def test_m1_knowledge_graph_lines_with_hostile_values_are_reported_not_a_500(db):
    long_name = "长" * 150
    text = "\n".join(
        [
            "<某卡>\t<档位介绍表>\t<某卡_1>",
            "<某卡_1>\t<价格>\t<1e1000000>",
            "<某卡_1>\t<流量>\t<NaN>",
            "<某卡_1>\t<上线时间>\t<00000101>",
            "<某卡_1>\t<业务简介>\t<a\x00b>",
            f"<{long_name}>\t<档位介绍表>\t<长_1>",
            "<某卡_1>\t<语音时长>\t<100>",
        ]
    )
    parsed = triples.parse(text.replace("\n", "\r"))  # bare CRs end lines too
    assert sorted(p.line for p in parsed.problems) == [2, 3, 4, 5, 6]
    report = triples.load(parsed)
    assert report.tiers == 1 and Tier.objects.get().voice_minutes == 100
    exc = refused(lambda: triples.load(triples.parse(text), strict=True))
    assert exc.status == 422 and exc.code == "malformed_lines"


def test_v4_m1_api_uploads_are_refused_with_the_error_body(hall, care, api_as, admin):
    c = api_as(care).c
    data = (HEADER + "13900001111,2026-10,1e1000000,,\n").encode()
    r = c.post("/api/cases/bill-shock/import", {"file": SimpleUploadedFile("b.csv", data)})
    assert r.status_code == 422
    body = r.json()
    assert body["code"] == "bad_rows" and body["errors"][0]["line"] == 2
    assert body["errors"][0]["field"] == "amount" and body["message_en"].startswith("Line 2")
    # over the kind's own limit (made small here): 413 with the limit in words, nothing read
    limits = {**LIMITS, "catalogue": {"bytes": 1024, "rows": 20_000}}
    with override_settings(IMPORT_LIMITS=limits):
        big = SimpleUploadedFile("c.csv", b"x" * 5000)
        r = api_as(admin).c.post("/api/catalog/import", {"file": big})
    assert r.status_code == 413 and r.json()["code"] == "too_large"
    assert r.json()["message"] == "文件过大：最大1KB（本文件0.0MB）"
    assert r.json()["message_en"] == "The file is too large: at most 1 KB (this one is 0.0 MB)"
    assert not Bill.objects.exists() and not Tier.objects.exists()


def test_v4_a_page_upload_over_its_kinds_limit_says_so_beside_the_form(care):
    limits = {**LIMITS, "bills": {"bytes": 2 * 1024 * 1024, "rows": 200_000}}
    with override_settings(IMPORT_LIMITS=limits):
        c = client_for(care)
        assert "每个文件最大2MB、最多200000行" in c.get("/imports/").content.decode()
        upload = SimpleUploadedFile("b.csv", b"1" * (3 * 1024 * 1024))
        r = c.post("/imports/bills/upload", {"file": upload})
    assert r.status_code == 413
    page = r.content.decode()
    assert "文件过大：最大2MB（本文件3.0MB）" in page and 'id="import-bills"' in page


def test_v4_an_api_upload_spooled_to_disk_is_read_from_its_file(hall, care, api_as):
    """Uploads over FILE_UPLOAD_MAX_MEMORY_SIZE land in a temporary file, which the import reads
    row by row (made small here so a small file takes that path)."""
    rows = "".join(f"1390000{i:04d},2026-10,{i}.50,,\n" for i in range(200))
    with override_settings(FILE_UPLOAD_MAX_MEMORY_SIZE=1024):
        upload = SimpleUploadedFile("b.csv", (HEADER + rows).encode("gbk"))
        r = api_as(care).c.post("/api/cases/bill-shock/import", {"file": upload})
    assert r.status_code == 200, r.content[:300]
    assert r.json()["imported"] == 200 and Bill.objects.count() == 200


def test_v4_m1_a_header_missing_columns_names_every_one_of_them(care, admin):
    """One correction fixes the header: the refusal names every missing column, for each kind
    of import alike (core.tables.columns)."""
    bills = refused(lambda: import_bills(care, "号码,通话分钟\n13900001111,10\n".encode(), "b.csv"))
    assert bills.code == "missing_column" and bills.field == "file"
    assert "缺少“月份”、“金额”列" in bills.zh
    assert "no month, amount columns" in bills.en.lower()
    assert [e["field"] for e in bills.extra["errors"]] == ["month", "amount"]
    assert not Bill.objects.exists()
    catalogue = refused(lambda: import_catalog(admin, b"product,tier\nA,1\n", "c.csv"))
    assert len(catalogue.extra["errors"]) > 1  # every required column that is not there
