"""V1, V4: customers and lines from the CRM's export — checked row by row, the bad rows reported
and the good ones taken, re-imports idempotent with the history of what changed."""

import pytest

from servicehall.core.errors import ServiceError
from servicehall.customers import crm
from servicehall.customers.models import Customer, CustomerChange, PhoneNumber
from servicehall.customers.profile import with_check_character
from tests import factories

HEADER = "客户编号,姓名,证件号码,客户类型,所属客户编号,星级,入网日期,月均消费,地址,号码,套餐,号码状态,销号日期\n"
ID_A = with_check_character("11010119900307457")
ID_B = with_check_character("11010219851111002")


def csv(*rows: str) -> bytes:
    return (HEADER + "".join(r + "\n" for r in rows)).encode()


GOOD = (
    f"C001,王建国,{ID_A},个人,F01,金卡,2012-03-01,128.50,临江市城东区和平路1号,13811110001,畅享128元套餐,正常,",
    f"C001,王建国,{ID_A},个人,F01,金卡,2012-03-01,128.50,临江市城东区和平路1号,13811110002,亲情副卡,正常,",
    "F01,王氏家庭,,家庭,,普通,2012-03-01,,,13811110003,家庭宽带,正常,",
    f"C002,李秀英,{ID_B},个人,,银卡,2018-07-15,58,,13811110004,畅享58元套餐,正常,",
)


@pytest.fixture
def importer(db):
    factories.ensure_reference_data()
    return factories.make_staff("administrator")


def run(user, data: bytes) -> dict:
    return crm.import_customers(user, data, "crm.csv")


def test_v4_good_rows_are_imported_and_a_bad_row_is_reported(importer):
    bad = "C003,赵敏,110101199003074570,个人,,普通,,,,13811110005,,正常,"  # wrong check digit
    result = run(importer, csv(*GOOD, bad))
    assert (result["customers_created"], result["lines_created"]) == (3, 4)
    assert result["bad_rows"] == 1
    [error] = result["errors"]
    assert (error["line"], error["field"]) == (6, "id_number")
    assert "校验" in error["message"]
    assert not Customer.objects.filter(customer_no="C003").exists()
    wang = Customer.objects.get(customer_no="C001")
    assert wang.member_of.customer_no == "F01"  # named before the family's own row
    assert wang.tier == "gold" and str(wang.monthly_spend) == "128.50"
    assert [p.is_primary for p in wang.phones.order_by("number")] == [True, False]
    # the address placed the customer in the region it names, when one is defined
    assert PhoneNumber.objects.get(number="13811110001").number_rev == "10001111831"


def test_v4_reimport_is_idempotent_and_a_change_keeps_its_history(importer):
    run(importer, csv(*GOOD))
    history = CustomerChange.objects.count()
    again = run(importer, csv(*GOOD))
    assert (again["customers_created"], again["customers_updated"]) == (0, 0)
    assert (again["customers_unchanged"], again["lines_unchanged"]) == (3, 4)
    assert CustomerChange.objects.count() == history  # nothing written
    changed = [r.replace("银卡", "金卡").replace("畅享58元套餐", "畅享88元套餐") for r in GOOD]
    result = run(importer, csv(*changed))
    assert (result["customers_updated"], result["lines_updated"]) == (1, 1)
    li = Customer.objects.get(customer_no="C002")
    assert li.tier == "gold" and li.version == 2
    change = li.changes.filter(fields__has_key="tier").get()
    assert change.fields["tier"] == ["银卡", "金卡"]
    assert change.by == importer and change.source == "import"
    line_change = li.changes.exclude(pk=change.pk).exclude(note="导入建档").get()
    assert line_change.fields == {"line:0004:plan": ["畅享58元套餐", "畅享88元套餐"]}


def test_v4_closing_every_line_makes_the_customer_left(importer):
    run(importer, csv(*GOOD))
    closed = GOOD[3].replace("正常,", "销号,2026-11-20")
    run(importer, csv(*GOOD[:3], closed))
    li = Customer.objects.get(customer_no="C002")
    assert li.status == "left" and li.left_at.date().isoformat() == "2026-11-20"
    assert Customer.objects.get(customer_no="C001").status == "active"


def test_v4_same_customer_different_columns_and_a_number_twice_are_bad_rows(importer):
    other_name = GOOD[1].replace("王建国", "王建军")
    twice = GOOD[3].replace("C002", "C009")
    result = run(importer, csv(GOOD[0], other_name, GOOD[2], GOOD[3], twice))
    fields = {(e["line"], e["field"]) for e in result["errors"]}
    assert fields == {(3, "customer_no"), (6, "number")}


def test_v4_a_file_without_a_required_column_or_only_bad_rows_is_refused(importer):
    with pytest.raises(ServiceError) as e:
        run(importer, "姓名,号码\n王建国,13811110001\n".encode())
    assert e.value.code == "missing_column" and "客户编号" in e.value.zh
    with pytest.raises(ServiceError) as e:
        run(importer, csv("C001,王建国,,个人,,普通,,,,1381111,,正常,"))
    assert e.value.code == "bad_rows"
    assert not Customer.objects.exists()


def test_v4_a_member_of_an_unknown_family_is_imported_and_said_so(importer):
    result = run(importer, csv(GOOD[0].replace("F01", "F99"), GOOD[3]))
    assert [(e["line"], e["field"]) for e in result["errors"]] == [(2, "member_of")]
    assert "已导入" in result["errors"][0]["message"]  # not "not imported": it was
    assert (result["imported"], result["bad_rows"], result["members_unplaced"]) == (2, 0, 1)
    assert result["customers_created"] == 2
    assert Customer.objects.get(customer_no="C001").member_of is None


def test_v4_only_the_roles_that_import_may(db):
    clerk = factories.make_staff("clerk", factories.make_hall())
    with pytest.raises(ServiceError) as e:
        run(clerk, csv(*GOOD))
    assert e.value.status == 403


def test_v4_the_template_offered_for_download_imports_as_it_is(importer):
    """The imports page offers crm.TEMPLATE as the file to fill in: its example row is good."""
    result = run(importer, crm.TEMPLATE.encode())
    assert (result["bad_rows"], result["customers_created"], result["lines_created"]) == (0, 1, 1)
