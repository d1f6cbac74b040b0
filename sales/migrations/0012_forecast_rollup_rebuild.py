"""``sales_forecast_rollup_rebuild()``: the forecast rollup computed afresh from the deals.

For loads that write deals with triggers off (``session_replication_role = replica``, as the
data generators do for speed) and as a repair (``manage.py rebuild_forecast_rollup``). It
takes a SHARE lock on the deals first, so no write can slip between the aggregate and the
swap: writers wait for the rebuild (a second or two per 500,000 deals).
"""

from django.db import migrations

FUNCTION = """
CREATE FUNCTION sales_forecast_rollup_rebuild() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    written bigint;
BEGIN
    LOCK TABLE sales_opportunity IN SHARE MODE;
    DELETE FROM sales_forecastrollup;
    INSERT INTO sales_forecastrollup (
        team_id, owner_id, currency, month,
        pipeline, weighted, best_case, commit, won, open_deals, won_deals
    )
    SELECT team_id, owner_id, currency, date_trunc('month', close_date)::date,
           COALESCE(SUM(amount) FILTER (WHERE status = 'open'), 0),
           COALESCE(SUM(amount * probability) FILTER (WHERE status = 'open'), 0),
           COALESCE(SUM(amount) FILTER (
               WHERE status = 'open' AND forecast_category IN ('best_case', 'commit')), 0),
           COALESCE(SUM(amount) FILTER (
               WHERE status = 'open' AND forecast_category = 'commit'), 0),
           COALESCE(SUM(amount) FILTER (WHERE status = 'won'), 0),
           COUNT(*) FILTER (WHERE status = 'open'),
           COUNT(*) FILTER (WHERE status = 'won')
    FROM sales_opportunity
    WHERE status IN ('open', 'won')
    GROUP BY 1, 2, 3, 4;
    GET DIAGNOSTICS written = ROW_COUNT;
    RETURN written;
END $$;
"""


class Migration(migrations.Migration):
    dependencies = [("sales", "0011_quoteline_book_price")]

    operations = [
        migrations.RunSQL(FUNCTION, "DROP FUNCTION IF EXISTS sales_forecast_rollup_rebuild();")
    ]
