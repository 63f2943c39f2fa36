"""Issue 9 item 3: the archive search served by an index on PostgreSQL.

`pinzhi_search_grams(search_text)` is the set of two-character pieces (bigrams) of each
stored word, and the word itself when it has one character, as a tsvector; a GIN index holds
it. A query term of two characters or more matches only documents holding every bigram of
the term (`complaints.filters.complaint_search`), and the LIKE that follows keeps the results
exactly those of the substring match. Other databases keep the LIKE alone.

The function's COST (~0.1 ms a document, some 4000 operator costs) tells the planner that
computing it row by row while walking another index is dear, so it reads the GIN index."""

from django.db import migrations

FUNCTION = r"""
CREATE OR REPLACE FUNCTION pinzhi_search_grams(doc text) RETURNS tsvector
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE COST 4000 AS $$
  SELECT array_to_tsvector(coalesce(array_agg(DISTINCT gram), '{}'::text[]))
  FROM (
    SELECT substr(word, i, least(2, char_length(word))) AS gram
    FROM regexp_split_to_table(lower(doc), '\s+') AS word,
         generate_series(1, greatest(char_length(word) - 1, 1)) AS i
    WHERE word <> ''
  ) AS grams
$$
"""
INDEX = (
    "CREATE INDEX IF NOT EXISTS complaint_search_grams ON complaints_complaint "
    "USING gin (pinzhi_search_grams(search_text))"
)


# Statistics of the upper-cased words, so the planner knows how common a searched word is
# (walk the newest-first index for a common word, read the GIN index for a rare one).
STATISTICS = (
    "CREATE STATISTICS IF NOT EXISTS complaint_search_upper ON (upper(search_text)) "
    "FROM complaints_complaint"
)


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FUNCTION)
        schema_editor.execute(INDEX)
        schema_editor.execute(STATISTICS)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP STATISTICS IF EXISTS complaint_search_upper")
        schema_editor.execute("DROP INDEX IF EXISTS complaint_search_grams")
        schema_editor.execute("DROP FUNCTION IF EXISTS pinzhi_search_grams(text)")


class Migration(migrations.Migration):
    dependencies = [("complaints", "0005_list_indexes")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
