"""Django's PostgreSQL backend, inserting small batches with VALUES instead of UNNEST.

Set as ENGINE by ``zhili.settings`` for every ``postgres://`` DATABASE_URL; everything else is
Django's ``django.db.backends.postgresql`` unchanged (see ``compiler.SQLInsertCompiler``).
"""
