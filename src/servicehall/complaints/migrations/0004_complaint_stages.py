"""The complaint's stages (P1): what each stage recorded (ComplaintRecord, one per complaint)
and the phrases the handbook forbids (ForbiddenPhrase), seeded with the handbook's own
(忌轻易说出“你可上法院、信产部、消协告我去”) and their variants; and L1's deadline for a complaint,
answered within 15 days, as the shipped SLA policy of the complaint case type. Both seeds are
data administrators may change; the reverse removes only what this migration added."""

import django.db.models.deletion
from datetime import timedelta

from django.db import migrations, models

WHY = "手册禁语：忌轻易说出“你可上法院、信产部、消协告我去”"
PHRASES = [
    "你可以去法院告我",
    "你去消协告我",
    "你去信产部告我",
    "你可上法院、信产部、消协告我去",
    # the same said otherwise: matched ignoring spaces and punctuation, anywhere in a text
    "去法院告我",
    "上法院告我",
    "去消协告我",
    "去信产部告我",
    "去工信部告我",
]
SLA_NAME = "投诉"  # L1: the operator answers a complaint within 15 days


def seed(apps, schema_editor):
    ForbiddenPhrase = apps.get_model("complaints", "ForbiddenPhrase")
    for phrase in PHRASES:
        ForbiddenPhrase.objects.get_or_create(phrase=phrase, defaults={"why": WHY})
    SlaPolicy = apps.get_model("cases", "SlaPolicy")
    if not SlaPolicy.objects.filter(kind="complaint").exists():
        SlaPolicy.objects.create(
            name=SLA_NAME,
            kind="complaint",
            resolution=15,
            resolution_unit="days",
            warn_at_percent=80,
            escalate_every=timedelta(days=1),
        )


def unseed(apps, schema_editor):
    apps.get_model("cases", "SlaPolicy").objects.filter(name=SLA_NAME, kind="complaint").delete()


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0007_sla_policy_names_in_chinese'),
        ('complaints', '0003_compensation'),
        ('knowledge', '0008_field_labels'),
    ]

    operations = [
        migrations.CreateModel(
            name='ForbiddenPhrase',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('phrase', models.CharField(max_length=100, unique=True, verbose_name='phrase')),
                ('why', models.CharField(max_length=300, verbose_name='why it is forbidden')),
                ('active', models.BooleanField(default=True, verbose_name='active')),
            ],
            options={
                'verbose_name': 'forbidden phrase',
                'verbose_name_plural': 'forbidden phrases',
                'ordering': ['phrase'],
            },
        ),
        migrations.CreateModel(
            name='ComplaintRecord',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('steps', models.JSONField(blank=True, default=list, verbose_name='steps taken')),
                ('customer_words', models.TextField(blank=True, verbose_name="the customer's own words")),
                ('customer_request', models.TextField(blank=True, verbose_name='what the customer asks for')),
                ('accepted_at', models.DateTimeField(blank=True, null=True)),
                ('cause_customer', models.BooleanField(default=False, verbose_name="the customer's side")),
                ('cause_objective', models.BooleanField(default=False, verbose_name='objective causes')),
                ('cause_both', models.BooleanField(default=False, verbose_name='both sides')),
                ('cause_company', models.BooleanField(default=False, verbose_name="the company's side")),
                ('explanation', models.TextField(blank=True, verbose_name='policy explained')),
                ('basis_policy', models.CharField(blank=True, max_length=200, verbose_name='policy')),
                ('clarified_at', models.DateTimeField(blank=True, null=True)),
                ('holds', models.BooleanField(blank=True, null=True, verbose_name='complaint holds')),
                ('holds_reason', models.TextField(blank=True, verbose_name='reason')),
                ('remedy', models.TextField(blank=True, verbose_name='remedy')),
                ('policy_basis', models.TextField(blank=True, verbose_name='policy basis')),
                ('reply_at', models.DateTimeField(blank=True, null=True, verbose_name='reply time told to the customer')),
                ('resolved_at', models.DateTimeField(blank=True, null=True)),
                ('grumble', models.BooleanField(default=False, verbose_name='grumble')),
                ('responsible', models.CharField(choices=[('hall', 'Our hall'), ('department', 'Another department'), ('partner', 'An agent or partner')], default='hall', max_length=12, verbose_name='responsible')),
                ('responsible_name', models.CharField(blank=True, max_length=100, verbose_name='responsible party')),
                ('basis_article', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='knowledge.article', verbose_name='knowledge-base article')),
                ('case', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='complaint_record', to='cases.case')),
            ],
            options={
                'verbose_name': 'complaint record',
                'verbose_name_plural': 'complaint records',
            },
        ),
        migrations.RunPython(seed, unseed),
    ]
