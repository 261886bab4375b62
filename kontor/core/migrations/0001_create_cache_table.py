# The cache shared by all server processes (API rate limits) is a database
# table unless KONTOR_CACHE_URL points elsewhere; `kontor migrate` makes it.

from django.conf import settings
from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


def drop_cache_table(apps, schema_editor):
    from kontor.core.cache import is_database_cache

    for cache in settings.CACHES.values():
        if is_database_cache(cache):
            table = schema_editor.quote_name(cache["LOCATION"])
            schema_editor.execute(f"DROP TABLE IF EXISTS {table}")


class Migration(migrations.Migration):

    dependencies = []

    operations = [migrations.RunPython(create_cache_table, drop_cache_table, elidable=False)]
