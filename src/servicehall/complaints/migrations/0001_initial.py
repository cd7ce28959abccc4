# The app's first migration: empty, so each part of the complaint desk (complaints, appeals,
# subscription evidence) adds its own migration after it.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = []
    operations = []
