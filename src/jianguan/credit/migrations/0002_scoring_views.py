"""The views (credit_job_subjects, credit_job_records) the set-based scoring job reads (column contract of jianguan.credit.scoring): every
subject, and the records that are part of the credit record (recorded, or revoked — a revoked
record still counts before its revocation day)."""

from django.db import migrations

SUBJECTS = "CREATE VIEW credit_job_subjects AS SELECT id AS subject_id FROM credit_subject"
RECORDS = """
CREATE VIEW credit_job_records AS
SELECT subject_id,
       kind,
       CASE WHEN severity = '' THEN NULL ELSE severity END AS severity,
       points,
       event_date,
       valid_until,
       revoked_on,
       CASE WHEN "trigger" = '' THEN NULL ELSE "trigger" END AS "trigger",
       penalised,
       settled_on
FROM credit_record
WHERE status IN ('recorded', 'revoked')
"""


class Migration(migrations.Migration):
    dependencies = [("credit", "0001_initial")]

    operations = [
        migrations.RunSQL(SUBJECTS, "DROP VIEW credit_job_subjects"),
        migrations.RunSQL(RECORDS, "DROP VIEW credit_job_records"),
    ]
