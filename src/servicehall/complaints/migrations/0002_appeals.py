# Appeals (P2, P3, L1): the appeal sources with their deadlines (seeded below) and the appeals.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


# The five appeal sources of the handbook with L1's deadlines: an appeal centre decides on
# acceptance within 5 working days and answers within 30 days; the company's own channels (its
# quality-supervision line, the group company) answer like a complaint, within 15 days.
SOURCES = [
    # code, 中文, English, answer within (days)
    ("quality_line", "公司服务质量监督电话", "Company service-quality supervision line", 15),
    ("consumer_assoc", "消协", "Consumers' association", 30),
    ("provincial_centre", "通管局申诉中心", "Provincial communications administration appeal centre", 30),
    ("group", "集团公司", "Group company", 15),
    ("miit_centre", "工信部申诉中心", "MIIT appeal centre", 30),
]


def add_sources(apps, schema_editor):
    AppealSource = apps.get_model("complaints", "AppealSource")
    for order, (code, zh, en, answer) in enumerate(SOURCES):
        AppealSource.objects.get_or_create(
            code=code,
            defaults={
                "name_zh": zh,
                "name_en": en,
                "accept_within": 5,
                "accept_working_days": True,
                "answer_within": answer,
                "answer_working_days": False,
                "sort_order": order,
            },
        )


def remove_sources(apps, schema_editor):
    apps.get_model("complaints", "AppealSource").objects.filter(
        code__in=[s[0] for s in SOURCES], appeals__isnull=True
    ).delete()



class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0007_sla_policy_names_in_chinese'),
        ('complaints', '0001_initial'),
        ('org', '0006_staff_device_counter'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='AppealSource',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('code', models.SlugField(max_length=30, unique=True, verbose_name='code')),
                ('name_zh', models.CharField(max_length=60, verbose_name='name (Chinese)')),
                ('name_en', models.CharField(max_length=80, verbose_name='name (English)')),
                ('accept_within', models.PositiveSmallIntegerField(default=5, verbose_name='acceptance decision within')),
                ('accept_working_days', models.BooleanField(default=True, verbose_name='acceptance counted in working days')),
                ('answer_within', models.PositiveSmallIntegerField(default=30, verbose_name='answer within')),
                ('answer_working_days', models.BooleanField(default=False, verbose_name='answer counted in working days')),
                ('sort_order', models.PositiveSmallIntegerField(default=0, verbose_name='order')),
                ('is_active', models.BooleanField(default=True, verbose_name='in use')),
            ],
            options={
                'verbose_name': 'appeal source',
                'verbose_name_plural': 'appeal sources',
                'ordering': ['sort_order', 'id'],
            },
        ),
        migrations.CreateModel(
            name='Appeal',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('reference', models.CharField(max_length=40, verbose_name="source's reference number")),
                ('received_on', models.DateField(verbose_name='received on')),
                ('matter_on', models.DateField(verbose_name='date of the matter')),
                ('billing_dispute', models.BooleanField(default=False, verbose_name='billing dispute')),
                ('materials_due', models.DateField(blank=True, null=True, verbose_name='materials asked for by')),
                ('accept_due', models.DateTimeField(verbose_name='acceptance decision due')),
                ('answer_due', models.DateTimeField(verbose_name='answer due')),
                ('reply_due', models.DateTimeField(db_index=True, verbose_name='reply due (the hard deadline)')),
                ('warnings', models.JSONField(blank=True, default=list, verbose_name='intake warnings')),
                ('liability', models.CharField(blank=True, choices=[('company', 'Company liability'), ('handled_properly', 'Handled properly beforehand'), ('withdrawn', 'Withdrawn (case dismissed)'), ('customer', "Customer's own cause")], max_length=20, verbose_name='liability')),
                ('company_fault', models.CharField(blank=True, choices=[('violation', 'Violated the rules'), ('below_standard', 'Service below standard'), ('management_lapse', 'Management lapse'), ('staff_error', 'Staff error'), ('stalling', 'Stalling or passing the buck'), ('late_reply', 'Reply past the date'), ('incomplete_records', 'Records untrue or incomplete')], max_length=20, verbose_name='company liability sub-reason')),
                ('withdrawal', models.CharField(blank=True, choices=[('decided_elsewhere', 'Already decided elsewhere'), ('not_party', 'Not the interested party'), ('impersonated', "Filed in the customer's name by someone else")], max_length=20, verbose_name='withdrawn because')),
                ('liability_reason', models.TextField(blank=True, verbose_name='reason')),
                ('evidence', models.TextField(blank=True, verbose_name='evidence')),
                ('decided_at', models.DateTimeField(blank=True, null=True)),
                ('decided_in_time', models.BooleanField(blank=True, null=True)),
                ('major', models.BooleanField(default=False, verbose_name='major appeal')),
                ('major_reason', models.TextField(blank=True, verbose_name='why major')),
                ('replied_at', models.DateTimeField(blank=True, null=True)),
                ('replied_late', models.BooleanField(blank=True, null=True)),
                ('case', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='appeal', to='cases.case')),
                ('complaints', models.ManyToManyField(blank=True, related_name='appeals', to='cases.case', verbose_name='earlier complaints')),
                ('decided_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('hall', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='appeals', to='org.hall')),
                ('registered_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('source', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='appeals', to='complaints.appealsource', verbose_name='source')),
            ],
            options={
                'verbose_name': 'appeal',
                'verbose_name_plural': 'appeals',
                'permissions': [('handle_appeal', 'Register appeals and decide their liability')],
                'indexes': [models.Index(fields=['hall', 'received_on'], name='appeal_hall_month')],
                'constraints': [models.UniqueConstraint(fields=('source', 'reference'), name='appeal_source_reference')],
            },
        ),
        migrations.RunPython(add_sources, remove_sources),
    ]
