"""Closed orders archived by a history import are counted under their own state key
(``archived``, 历史归档) in the request totals instead of 已办结: the rollup reads the whole event
log again at its next refresh, which moves every order to the cell it now belongs in."""

from django.db import migrations


def reread_event_log(apps, schema_editor):
    apps.get_model("assessment", "RollupState").objects.update(last_event_id=0, gaps={})


class Migration(migrations.Migration):
    dependencies = [("assessment", "0001_initial")]

    operations = [migrations.RunPython(reread_event_log, migrations.RunPython.noop)]
