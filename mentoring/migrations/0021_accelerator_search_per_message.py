"""A reply adds its own words to the thread's search document instead of rebuilding it from the whole thread.

Before, each reply re-read and re-stemmed every message of its thread (76 replies of 10,000 characters took a
reply from 0.08 to 1.3 s), and a thread past PostgreSQL's 1 MB per document failed every later reply with an
internal error. Now a reply costs its own text; a document that is full keeps what it has (the reply is saved,
its words are not searchable) instead of refusing the reply. Editing or deleting a message still rebuilds.
"""

from django.db import migrations

SEARCH_SQL = """
CREATE OR REPLACE FUNCTION accelerator_reindex(rid bigint) RETURNS void LANGUAGE plpgsql AS $fn$
BEGIN
    UPDATE mentoring_acceleratorrequest r SET
        search_document =
            setweight(to_tsvector('fr_unaccent', coalesce(r.subject, '')), 'A')
            || setweight(to_tsvector('fr_unaccent', coalesce(r.body, '')), 'B')
            || setweight(to_tsvector('fr_unaccent', coalesce((
                SELECT string_agg(m.body, ' ') FROM mentoring_acceleratormessage m
                WHERE m.request_id = r.id AND m.visibility = 'PUBLIC'), '')), 'C'),
        staff_search_document = to_tsvector('fr_unaccent', coalesce((
                SELECT string_agg(m.body, ' ') FROM mentoring_acceleratormessage m
                WHERE m.request_id = r.id AND m.visibility <> 'PUBLIC'), ''))
    WHERE r.id = rid;
EXCEPTION WHEN program_limit_exceeded THEN
    -- The thread is too long for one document: its subject and question stay searchable.
    UPDATE mentoring_acceleratorrequest r SET
        search_document =
            setweight(to_tsvector('fr_unaccent', coalesce(r.subject, '')), 'A')
            || setweight(to_tsvector('fr_unaccent', coalesce(r.body, '')), 'B')
    WHERE r.id = rid;
END $fn$;

CREATE OR REPLACE FUNCTION accelerator_message_reindex() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    IF TG_OP = 'INSERT' THEN
        BEGIN
            IF NEW.visibility = 'PUBLIC' THEN
                UPDATE mentoring_acceleratorrequest SET search_document = coalesce(search_document, ''::tsvector)
                    || setweight(to_tsvector('fr_unaccent', coalesce(NEW.body, '')), 'C')
                WHERE id = NEW.request_id;
            ELSE
                UPDATE mentoring_acceleratorrequest
                SET staff_search_document = coalesce(staff_search_document, ''::tsvector)
                    || to_tsvector('fr_unaccent', coalesce(NEW.body, ''))
                WHERE id = NEW.request_id;
            END IF;
        EXCEPTION WHEN program_limit_exceeded THEN
            NULL;  -- the document is full: the reply is kept, its words are not added
        END;
        RETURN NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM accelerator_reindex(OLD.request_id);
    END IF;
    IF TG_OP = 'UPDATE' AND NEW.request_id <> OLD.request_id THEN
        PERFORM accelerator_reindex(NEW.request_id);
    END IF;
    RETURN NULL;
END $fn$;
"""

# 0015's functions, as they were.
UNDO_SQL = """
CREATE OR REPLACE FUNCTION accelerator_message_reindex() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM accelerator_reindex(OLD.request_id);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        PERFORM accelerator_reindex(NEW.request_id);
    END IF;
    RETURN NULL;
END $fn$;
"""


class Migration(migrations.Migration):
    dependencies = [("mentoring", "0020_accelerator_attachments")]

    operations = [migrations.RunSQL(SEARCH_SQL, UNDO_SQL)]
