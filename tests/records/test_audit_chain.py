"""The audit log is a hash chain (L5): `servicehall audit verify` says it is intact with the
count, or names the first row deleted, altered or slipped in (exit code 1); two writers at once
never fork it (both databases); every write goes through core.audit."""

import threading
from pathlib import Path

import pytest
from django.db import connection

import servicehall
from servicehall.cli import main
from servicehall.core.audit import chain_hash, log_action, log_pii_access, verify
from servicehall.core.models import AuditLog
from tests import factories


@pytest.fixture
def rows(db, hall):
    user = factories.make_staff("administrator", hall)
    made = [log_action(user, "hall.notice", "hall", "h", reason=f"第{i}条") for i in range(5)]
    made.append(log_pii_access(user, "customer", 7, ["phones"], "回电核实", ip="::ffff:10.0.0.1"))
    return made


def run_verify(capsys) -> tuple[int, str]:
    with pytest.raises(SystemExit) as e:
        main(["audit", "verify"])
    return e.value.code, capsys.readouterr().out


def test_l5_an_intact_chain_verifies_with_its_count(rows, capsys):
    code, out = run_verify(capsys)
    assert code == 0
    assert "审计日志完整：6 条" in out and "Audit log intact: 6 rows" in out
    first = AuditLog.objects.order_by("id").first()
    assert first.prev_hash == "" and len(first.hash) == 64


def test_l5_an_altered_row_is_named(rows, capsys):
    AuditLog.objects.filter(pk=rows[2].pk).update(reason="改过的原因")
    code, out = run_verify(capsys)
    assert code == 1
    assert f"#{rows[2].pk} was altered" in out and f"第 {rows[2].pk} 条被改动" in out


def test_l5_a_deleted_row_is_named_by_the_row_after_it(rows, capsys):
    AuditLog.objects.filter(pk=rows[3].pk).delete()
    code, out = run_verify(capsys)
    assert code == 1
    assert f"A row before audit row #{rows[4].pk} was deleted" in out


def test_l5_a_row_slipped_in_is_named_even_with_a_valid_hash(rows, capsys):
    # a forger who knows the scheme: a new row chained to the last one, then the real next
    # row still links to what came before it
    last = AuditLog.objects.order_by("-id").first()
    fake = AuditLog(
        at=last.at,
        actor_id=last.actor_id,
        action="pii.view",
        object_type="customer",
        object_id="9",
        fields=[],
        reason="伪造",
        prev_hash=last.prev_hash,
    )
    fake.hash = chain_hash(fake.prev_hash, fake)
    fake.save()
    # move the real last row after the fake one (as an insertion between them would look)
    AuditLog.objects.filter(pk=last.pk).delete()
    last.pk = None
    last.save(force_insert=True)
    code, out = run_verify(capsys)
    assert code == 1
    assert f"#{fake.pk} was slipped in" in out


def test_l5_the_first_rows_deleted_without_a_purge_are_found(rows):
    AuditLog.objects.filter(pk=rows[0].pk).delete()
    verdict = verify()
    assert (verdict.ok, verdict.problem, verdict.row_id) == (False, "anchor", rows[1].pk)


def test_l5_every_audit_write_goes_through_core_audit():
    src = Path(servicehall.__file__).parent
    direct = [
        str(p.relative_to(src))
        for p in src.rglob("*.py")
        if "migrations" not in p.parts
        and p.name != "audit.py"
        and "AuditLog.objects.create" in p.read_text(encoding="utf-8")
    ]
    assert direct == []


@pytest.mark.django_db(transaction=True)
def test_l5_writers_at_once_never_fork_the_chain():
    hall = factories.make_hall("audit-race")
    users = [factories.make_staff("clerk", hall) for _ in range(8)]
    barrier = threading.Barrier(8)
    errors = []

    def run(i):
        try:
            barrier.wait(timeout=30)
            for j in range(10):
                log_action(users[i], "hall.notice", "hall", "audit-race", reason=f"{i}-{j}")
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == []
    prevs = list(AuditLog.objects.values_list("prev_hash", flat=True))
    assert len(prevs) == 80 and len(set(prevs)) == 80  # no two rows took the same previous
    verdict = verify()
    assert verdict.ok and verdict.count == 80
