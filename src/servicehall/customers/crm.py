"""Customers and lines from the operator's CRM/billing export (V1, V4): CSV or Excel, one row
per line (号码), the customer's columns repeated on each of their lines.

Columns (a header row; the Chinese or English names of `profile.FIELDS`, README "Importing
customers"): 客户编号, 姓名 and 号码 are required; every other column is optional, and a column
the file does not have leaves what is stored as it was. An empty cell in a column the file has
empties the value.

How a file is taken, and why:
- Rows are checked and written in chunks of CHUNK rows, each chunk its own transaction, with
  the progress reported after each (a page's bar and the CLI's). A province's file of a
  million customers would otherwise hold the database's write lock for minutes. A chunk's
  lookups come from indexes (core.db.write_transaction's `by_keys`).
- A bad row is not imported and is reported (line, column, value, what it should be); the
  good rows are. Customers are independent of one another, unlike a bill file, where the
  whole file is one billing run. A file of nothing but bad rows is refused.
- Re-importing is idempotent: a customer or line whose values are what is stored is not
  written at all; a changed one is updated and the change kept (`CustomerChange`, before →
  after, source "import"). So a nightly export can be imported every night, and an import
  cut off half-way is finished by importing the file again.
- A number that the CRM now gives another customer moves to them (the CRM is the record of
  ownership), noted on both customers' history.
- "所属客户编号" (member of) may name a family or enterprise further down the file: members are
  placed after every row is written.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone

from servicehall.core import tables
from servicehall.core.db import among, insert_rows, write_transaction
from servicehall.core.errors import ServiceError, require_perm

from ..core.errors import Code as CoreCode
from . import profile
from .models import Customer, CustomerChange, PhoneNumber
from .services import settle_status

CHUNK = 5000
# columns with few distinct values, each read once (Reader.read), up to MEMO_SIZE of them
MEMO = {
    "group",
    "tier",
    "joined_on",
    "monthly_spend",
    "account_manager_id",
    "region_id",
    "line_status",
    "plan",
    "opened_on",
    "ended_on",
}
MEMO_SIZE = 20_000
MAX_ERRORS = 200  # named one by one; beyond, only counted
Progress = Callable[[str, int, int], None]
REQUIRED = {"customer_no", "name", "number"}
COLUMN_NAMES = {f.key: (f.zh, f.en) for f in profile.FIELDS.values()}
CUSTOMER_KEYS = tuple(f.key for f in profile.CUSTOMER_FIELDS if f.key != "member_of")
LINE_KEYS = tuple(f.key for f in profile.LINE_FIELDS if f.key != "number")
CUSTOMER_COLUMNS = tuple(f.key for f in profile.CUSTOMER_FIELDS)
LINE_COLUMNS = ("customer_no", *(f.key for f in profile.LINE_FIELDS))
IMPORT = CustomerChange.Source.IMPORT
# the columns of a new row (core.db.insert_rows), with the model's defaults where the file
# has no such column
CUSTOMER_DEFAULTS = {
    f.attname: f.get_default() for f in Customer._meta.concrete_fields if not f.primary_key
}
NEW_CUSTOMER = tuple(CUSTOMER_DEFAULTS)
CHANGE_COLUMNS = ["customer_id", "at", "by_id", "source", "fields", "note"]
LINE_VALUES = ("account", "plan", "status", "opened_on", "ended_on")
LINE_DEFAULTS = {
    f.attname: f.get_default()
    for f in PhoneNumber._meta.concrete_fields
    if f.attname in LINE_VALUES
}
NEW_LINE = ["customer_id", "number", "number_rev", "is_primary", *LINE_VALUES]
# what an import compares with the file, read as plain values
STORED_CUSTOMER = ("pk", "member_of_id", *CUSTOMER_KEYS)
STORED_LINE = ("customer_id", *LINE_VALUES)
TEMPLATE = (
    "客户编号,姓名,证件号码,客户类型,所属客户编号,星级,入网日期,月均消费,客户经理,地址,区域,"
    "号码,账户,套餐,号码状态,开户日期,销号日期\n"
    "C00012345,示例客户,110101199003074573,个人,,金卡,2015-06-01,128.50,,"
    "临江市城东区和平路1号,,13800000000,A00012345,畅享128元套餐,正常,2015-06-01,\n"
)


@dataclass
class Row:
    line: int
    customer_no: str
    customer: dict  # the customer's values of the columns the file has
    number: str
    phone: dict  # the line's values
    member_no: str | None  # None: no such column


@dataclass
class Result:
    rows: int = 0
    customers_created: int = 0
    customers_updated: int = 0
    customers_unchanged: int = 0
    lines_created: int = 0
    lines_updated: int = 0
    lines_unchanged: int = 0
    errors: list[dict] = field(default_factory=list)
    error_count: int = 0  # bad cells, shown or not
    members_unplaced: int = 0  # imported, their family or enterprise not set
    bad_lines: set[int] = field(default_factory=set)

    def bad(self, line: int, key: str, value: str, zh: str, en: str) -> None:
        self.error_count += 1
        self.bad_lines.add(line)
        if len(self.errors) < MAX_ERRORS:
            self.errors.append(
                {"line": line, "field": key, "value": value[:100], "message": zh, "message_en": en}
            )

    def unplaced(self, line: int, parent_no: str, zh: str, en: str) -> None:
        """A customer imported whose family or enterprise could not be set (known only once
        every row is in): their row was written, so it is not a bad row; the cell is reported
        saying so."""
        self.error_count += 1
        self.members_unplaced += 1
        if len(self.errors) < MAX_ERRORS:
            self.errors.append(
                {
                    "line": line,
                    "field": "member_of",
                    "value": parent_no[:100],
                    "message": f"{zh}：客户已导入，但未设置所属客户",
                    "message_en": f"{en}: the customer was imported without it",
                }
            )

    def summary(self) -> dict:
        return {
            "rows": self.rows,
            "imported": self.rows - len(self.bad_lines),
            "customers_created": self.customers_created,
            "customers_updated": self.customers_updated,
            "customers_unchanged": self.customers_unchanged,
            "lines_created": self.lines_created,
            "lines_updated": self.lines_updated,
            "lines_unchanged": self.lines_unchanged,
            "bad_rows": len(self.bad_lines),
            "members_unplaced": self.members_unplaced,
            "errors": sorted(self.errors, key=lambda e: e["line"]),
            "error_count": self.error_count,
        }


class Reader:
    """Checks rows one by one and remembers what the file said before (a number twice, a
    customer whose columns differ between their lines)."""

    def __init__(self, cols: dict[str, int], result: Result):
        self.result = result
        self.resolver = profile.Resolver()
        self.width = max(cols.values()) + 1
        # (key, position, reader, label, memo or None), for every column but member_of, read
        # apart; MEMO columns hold few distinct values, each read once (a million rows hold a
        # few hundred dates and plans): {text: (value, error)}
        self.plan = [
            (key, j, self._reader(key), COLUMN_NAMES[key], {} if key in MEMO else None)
            for key, j in cols.items()
            if key != "member_of"
        ]
        self.line_plan = [p for p in self.plan if p[0] in LINE_COLUMNS]
        self.no_at = cols["customer_no"]
        self.member_at = cols.get("member_of")
        # the customer's cells, in CUSTOMER_COLUMNS order (the same on each of their lines)
        self.customer_cells = operator.itemgetter(*(cols[k] for k in CUSTOMER_COLUMNS if k in cols))
        self.numbers: dict[str, int] = {}  # number -> its first line
        # customer_no -> (its first line, its cells there, the family or enterprise it names)
        self.customers: dict[str, tuple[int, tuple, str | None]] = {}
        # customer_no -> (its cells as first read, its values, member_no): a customer's other
        # lines repeat the cells, which are then not read again
        self.parsed: dict[str, tuple] = {}

    def _reader(self, key: str) -> Callable:
        f = profile.FIELDS[key]
        return getattr(self.resolver, f.read) if isinstance(f.read, str) else f.read

    def read(self, line: int, cells: list[str]) -> Row | None:
        if len(cells) < self.width:
            cells = cells + [""] * (self.width - len(cells))
        raw = self.customer_cells(cells)
        known = self.parsed.get(cells[self.no_at].strip())
        if known is not None and known[0] == raw:  # another line of a customer already read
            plan, customer, member_no = self.line_plan, known[1], known[2]
        else:
            plan, customer, member_no = self.plan, None, None
        values: dict = {}
        bad = False
        for key, j, read, label, memo in plan:
            text = cells[j]
            if memo is None:
                try:
                    values[key] = read(text, key, label)
                except ServiceError as exc:
                    self.result.bad(line, key, text, exc.zh, exc.en)
                    bad = True
                continue
            known_value = memo.get(text)
            if known_value is None:
                try:
                    known_value = (read(text, key, label), None)
                except ServiceError as exc:
                    known_value = (None, exc)
                if len(memo) >= MEMO_SIZE:
                    memo.clear()
                memo[text] = known_value
            if known_value[1] is not None:
                self.result.bad(line, key, text, known_value[1].zh, known_value[1].en)
                bad = True
            else:
                values[key] = known_value[0]
        if customer is None and self.member_at is not None:
            text = cells[self.member_at]
            try:
                member_no = profile.FIELDS["customer_no"].value(text, self.resolver)
            except ServiceError as exc:
                self.result.bad(line, "member_of", text, exc.zh, exc.en)
                bad = True
        if customer is not None:
            values.update(customer)
        for key in REQUIRED:
            if key in values and not values[key]:
                zh, en = COLUMN_NAMES[key]
                self.result.bad(line, key, "", f"“{zh}”不能为空", f"{en} is required")
                bad = True
        if bad:
            return None
        if customer is None:
            customer = {k: values[k] for k in CUSTOMER_KEYS if k in values}
            if "region_id" in customer and customer["region_id"] is None:
                # the region column is there and empty: the place the address names
                customer["region_id"] = profile.region_from_address(customer.get("address", ""))
            self.parsed.setdefault(values["customer_no"], (raw, customer, member_no))
        phone = {k: values[k] for k in LINE_KEYS if k in values}
        number, no = values["number"], values["customer_no"]
        first = self.numbers.setdefault(number, line)
        if first != line:
            self.result.bad(
                line,
                "number",
                number,
                f"与第{first}行的号码重复",
                f"the same number as line {first}",
            )
            return None
        # every line of a customer carries the same customer columns, cell for cell
        seen = self.customers.setdefault(no, (line, raw, member_no))
        if seen[1] != raw:
            self.result.bad(
                line,
                "customer_no",
                no,
                f"同一客户编号在第{seen[0]}行的客户资料与本行不同",
                f"the customer's columns differ from line {seen[0]} of the same customer number",
            )
            return None
        return Row(line, no, customer, number, phone, member_no)


def import_customers(
    user,
    data: tables.Source,
    filename: str,
    *,
    progress: Progress | None = None,
    limited: bool = True,
) -> dict:
    """Import a CRM export (the page's job, `servicehall import-customers`): the summary with
    what was created, updated and left alone, and the bad rows (at most MAX_ERRORS named)."""
    require_perm(user, "customers.import_customers", "导入客户资料", "import customers")
    limits = settings.IMPORT_LIMITS["customers"] if limited else {}
    header_line, header, rows, total = tables.open_table(
        data, filename, limits.get("bytes"), progress
    )
    accepted = {k: set(f.headers) for k, f in profile.FIELDS.items()}
    cols = tables.columns(header, header_line, accepted, COLUMN_NAMES, required=REQUIRED)
    result = Result()
    reader = Reader(cols, result)
    writer = Writer(user, result)
    chunk: list[Row] = []
    for done, (line, cells) in enumerate(rows, start=1):
        if limits.get("rows") and done > limits["rows"]:
            raise tables.too_many_rows(limits["rows"], line)
        result.rows = done
        row = reader.read(line, cells)
        if row is not None:
            chunk.append(row)
        if len(chunk) >= CHUNK:
            writer.write(chunk)
            chunk = []
            if progress:
                progress("writing", done, max(total, done))
    if chunk:
        writer.write(chunk)
    if result.rows and len(result.bad_lines) == result.rows:  # nothing was written
        first = min(result.errors, key=lambda e: e["line"])
        zh, en = COLUMN_NAMES.get(first["field"], (first["field"], first["field"]))
        raise ServiceError(
            CoreCode.BAD_ROWS,
            f"每一行都有误，未导入任何数据（如第{first['line']}行“{zh}”：{first['message']}）",
            f"Every row is wrong; nothing was imported (e.g. line {first['line']}, {en}: "
            f"{first['message_en']})",
            field="file",
            status=422,
            extra={"errors": result.summary()["errors"], "error_count": result.error_count},
        )
    writer.place_members(reader)
    writer.settle()
    if progress:
        progress("writing", result.rows, result.rows)
    return result.summary()


class Writer:
    def __init__(self, user, result: Result):
        self.user = user
        self.result = result
        self.ids: dict[str, int] = {}  # customer_no -> id, for the members placed at the end
        self.settling: set[int] = set()  # customers whose lines changed status
        self.new_ids: set[int] = set()  # customers this import created

    def write(self, rows: list[Row]) -> None:
        now = timezone.now()
        with write_transaction(by_keys=True):
            customers = self._customers(rows, now)
            self._lines(rows, customers, now)

    @staticmethod
    def _new_customer(values: dict, now) -> tuple:
        row = {**CUSTOMER_DEFAULTS, **{k: v for k, v in values.items() if v is not None}}
        if row["region_id"] is None and row["address"]:  # no region column: the address's
            row["region_id"] = profile.region_from_address(row["address"])
        row["id_number_rev"] = row["id_number"][::-1]
        row["created_at"] = row["updated_at"] = now
        return tuple(row[c] for c in NEW_CUSTOMER)

    def _change(self, customer_id: int, fields: dict, now, note: str = "") -> CustomerChange:
        return CustomerChange(
            customer_id=customer_id, at=now, by=self.user, source=IMPORT, fields=fields, note=note
        )

    def _customers(self, rows: list[Row], now) -> dict[str, int]:
        """Creates and updates the customers of the rows; their ids by customer number."""
        first: dict[str, Row] = {}
        for row in rows:
            first.setdefault(row.customer_no, row)
        # what is stored, as plain values: most customers of a nightly file are as stored, and
        # only those that differ are locked and loaded as models (a model for every row was half
        # of a re-import's time)
        stored = {
            r[0]: dict(zip(STORED_CUSTOMER, r[1:], strict=True))
            for r in numbered(first).values_list("customer_no", *STORED_CUSTOMER)
        }
        new, differing = [], []
        for no, row in first.items():
            known = stored.get(no)
            if known is None:
                new.append(row)
            elif no in self.ids:  # an earlier chunk wrote it: the file says the same
                continue
            elif (row.member_no == "" and known["member_of_id"] is not None) or any(
                not profile.same(known[k], v) for k, v in row.customer.items()
            ):
                differing.append(row)
            else:
                self.result.customers_unchanged += 1
            if known is not None:
                self.ids[no] = known["pk"]
        changed, history = [], []
        locked = (
            numbered([r.customer_no for r in differing]).select_for_update() if differing else []
        )
        for customer in locked:
            row = first[customer.customer_no]
            values = dict(row.customer)
            if row.member_no == "" and customer.member_of_id is not None:
                values["member_of"] = None  # the column is there and empty: no longer a member
            changes = profile.diff(customer, values)
            if not changes:  # changed back meanwhile
                self.result.customers_unchanged += 1
                continue
            for key, value in values.items():
                setattr(customer, key, value)
            customer.id_number_rev = customer.id_number[::-1]
            customer.version += 1
            customer.updated_at = now
            changed.append(customer)
            history.append(self._change(customer.pk, changes, now))
        if new:
            ids = insert_rows(
                Customer,
                NEW_CUSTOMER,
                [self._new_customer(row.customer, now) for row in new],
                with_ids=True,
            )
            self.ids.update((row.customer_no, pk) for row, pk in zip(new, ids, strict=True))
            self.new_ids.update(ids)
            insert_rows(
                CustomerChange,
                CHANGE_COLUMNS,
                [(pk, now, self.user.pk, IMPORT, {}, "导入建档") for pk in ids],
            )
        if changed:
            Customer.objects.bulk_update(
                changed,
                [*CUSTOMER_KEYS, "member_of", "id_number_rev", "version", "updated_at"],
                batch_size=1000,
            )
        CustomerChange.objects.bulk_create(history, batch_size=1000)
        self.result.customers_created += len(new)
        self.result.customers_updated += len(changed)
        return {no: self.ids[no] for no in first}

    def _lines(self, rows: list[Row], customers: dict[str, int], now) -> None:
        # as for the customers: plain values first, then the lines that differ locked and loaded
        stored = {
            r[0]: dict(zip(STORED_LINE, r[1:], strict=True))
            for r in PhoneNumber.objects.filter(
                among("number", [r.number for r in rows])
            ).values_list("number", *STORED_LINE)
        }
        new, differing = [], {}
        for row in rows:
            customer_id = customers[row.customer_no]
            known = stored.get(row.number)
            values = self._line_values(row, known)
            if known is None:
                new.append((row, customer_id, values))
            elif known["customer_id"] != customer_id or any(
                not profile.same(known[k], v) for k, v in values.items()
            ):
                differing[row.number] = (customer_id, values)
            else:
                self.result.lines_unchanged += 1
        # customers stored before this chunk may have a primary line already; new ones do not
        old = {pk for _, pk, _ in new if pk not in self.new_ids} | {
            pk for pk, _ in differing.values()
        }
        with_primary = (
            set(
                PhoneNumber.objects.filter(among("customer_id", old), is_primary=True).values_list(
                    "customer_id", flat=True
                )
            )
            if old
            else set()
        )
        lines = []
        for row, customer_id, values in new:
            primary = customer_id not in with_primary
            with_primary.add(customer_id)
            line = {**LINE_DEFAULTS, **values}
            lines.append(
                (customer_id, row.number, row.number[::-1], primary)
                + tuple(line[c] for c in LINE_VALUES)
            )
            if values.get("status", PhoneNumber.Status.ACTIVE) != PhoneNumber.Status.ACTIVE:
                self.settling.add(customer_id)
        changed, history = [], []
        locked = (
            PhoneNumber.objects.select_for_update().filter(among("number", differing))
            if differing
            else []
        )
        for phone in locked:
            customer_id, values = differing[phone.number]
            tail = phone.number[-4:]
            changes = {
                f"line:{tail}:{k}": [profile.shown(k, getattr(phone, k)), profile.shown(k, v)]
                for k, v in values.items()
                if not profile.same(getattr(phone, k), v)
            }
            moved = phone.customer_id != customer_id
            if not changes and not moved:  # changed back meanwhile
                self.result.lines_unchanged += 1
                continue
            if moved:
                history.append(
                    self._change(phone.customer_id, {f"line:{tail}": [tail, None]}, now, "号码转出")
                )
                changes[f"line:{tail}"] = [None, tail]
                self.settling.add(phone.customer_id)
                phone.customer_id = customer_id
                phone.is_primary = customer_id not in with_primary
                with_primary.add(customer_id)
            for key, value in values.items():
                setattr(phone, key, value)
            if "status" in values or moved:
                self.settling.add(customer_id)
            changed.append(phone)
            history.append(self._change(customer_id, changes, now))
        insert_rows(PhoneNumber, NEW_LINE, lines)
        if changed:
            PhoneNumber.objects.bulk_update(
                changed,
                [
                    "customer",
                    "is_primary",
                    *{("status" if k == "line_status" else k) for k in LINE_KEYS},
                ],
                batch_size=1000,
            )
        CustomerChange.objects.bulk_create(history, batch_size=1000)
        self.result.lines_created += len(lines)
        self.result.lines_updated += len(changed)

    @staticmethod
    def _line_values(row: Row, known: dict | None) -> dict:
        """A line's values from the file, as the model's attributes."""
        values = {("status" if k == "line_status" else k): v for k, v in row.phone.items()}
        for key in ("account", "plan"):
            if values.get(key) is None and key in values:
                values[key] = ""
        if values.get("status") == PhoneNumber.Status.CLOSED and not values.get("ended_on"):
            # closed without a date: when it was first seen closed (a re-import keeps it)
            kept = known["ended_on"] if known is not None else None
            values["ended_on"] = kept or timezone.localdate()
        return values

    def place_members(self, reader: Reader) -> None:
        """The family or enterprise of each customer whose rows name one, once every row is
        in: a number that names no customer, or an individual, is a bad row."""
        wanted = {
            no: (line, member_no)
            for no, (line, _raw, member_no) in reader.customers.items()
            if member_no and no in self.ids
        }
        if not wanted:
            return
        parents = {c.customer_no: c for c in numbered({p for _, p in wanted.values()})}
        now = timezone.now()
        items = sorted(wanted.items())
        for start in range(0, len(items), CHUNK):
            with write_transaction(by_keys=True):
                part = dict(items[start : start + CHUNK])
                members = (
                    Customer.objects.select_for_update(of=("self",))
                    .filter(among("pk", [self.ids[no] for no in part]))
                    .select_related("member_of")
                )
                history, changed = [], []
                for customer in members:
                    line, parent_no = part[customer.customer_no]
                    parent = parents.get(parent_no) if parent_no else None
                    if parent_no and parent is None:
                        self.result.unplaced(
                            line,
                            parent_no,
                            f"没有客户编号为“{parent_no}”的客户",
                            f"no customer numbered {parent_no!r}",
                        )
                        continue
                    if parent is not None and (
                        parent.group == Customer.Group.INDIVIDUAL
                        or customer.group != Customer.Group.INDIVIDUAL
                        or parent.pk == customer.pk
                    ):
                        self.result.unplaced(
                            line,
                            parent_no,
                            "只有个人客户可以是家庭或集团客户的成员",
                            "only an individual can be a member of a family or an enterprise",
                        )
                        continue
                    changes = profile.diff(customer, {"member_of": parent})
                    if changes:
                        customer.member_of = parent
                        customer.version += 1
                        changed.append(customer)
                        history.append((customer.pk, now, self.user.pk, IMPORT, changes, ""))
                _set_members(changed)
                insert_rows(CustomerChange, CHANGE_COLUMNS, history)

    def settle(self) -> None:
        """`left` for a customer all of whose lines are now closed, `active` again for one with
        a line in service (the retention periods run from `left_at`)."""
        ids = sorted(self.settling)
        for start in range(0, len(ids), CHUNK):
            with write_transaction():
                for customer in Customer.objects.select_for_update().filter(
                    among("pk", ids[start : start + CHUNK])
                ):
                    settle_status(customer, self.user, IMPORT)


def numbered(numbers) -> QuerySet[Customer]:
    """The customers of these CRM numbers. `customer_no <> ''` said outright: the unique index
    on the number leaves out the blank ones, and PostgreSQL uses it only for a query that says
    so (without it, every lookup of a chunk's numbers read the whole table)."""
    return Customer.objects.filter(among("customer_no", numbers)).exclude(customer_no="")


def _set_members(customers: list[Customer]) -> None:
    """Write each customer's `member_of` (and the version): one UPDATE from arrays on
    PostgreSQL — the ORM's bulk update builds a CASE of every row, seconds for a few thousand."""
    if not customers:
        return
    if connection.vendor != "postgresql":
        Customer.objects.bulk_update(customers, ["member_of", "version"], batch_size=1000)
        return
    table = connection.ops.quote_name(Customer._meta.db_table)
    with connection.cursor() as cur:
        cur.execute(
            f"UPDATE {table} AS c SET member_of_id = v.parent, version = c.version + 1 "
            "FROM unnest(%s::bigint[], %s::bigint[]) AS v(id, parent) WHERE c.id = v.id",
            [[c.pk for c in customers], [c.member_of_id for c in customers]],
        )
