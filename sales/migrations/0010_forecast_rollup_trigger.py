"""The trigger that keeps ``sales_forecastrollup`` (see ``sales/models/forecast.py``) in step
with ``sales_opportunity``, and ``sales_forecast_rollup_rebuild()`` that computes it afresh
(run once here for the deals already there).

A deal contributes only while open or won: open → pipeline, amount × probability, best case
(forecast category best case or commit), commit, one open deal; won → won amount, one won deal.
Every insert adds the new row's contribution, every delete subtracts the old one's, and an
update that touches a column the forecast reads does both — in the writer's transaction.
"""

from django.db import migrations

FUNCTIONS = """
CREATE FUNCTION sales_forecast_rollup_apply(r sales_opportunity, sign integer)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    is_open boolean := r.status = 'open';
BEGIN
    IF r.status NOT IN ('open', 'won') THEN
        RETURN;
    END IF;
    INSERT INTO sales_forecastrollup AS f (
        team_id, owner_id, currency, month,
        pipeline, weighted, best_case, commit, won, open_deals, won_deals
    ) VALUES (
        r.team_id, r.owner_id, r.currency, date_trunc('month', r.close_date)::date,
        CASE WHEN is_open THEN sign * r.amount ELSE 0 END,
        CASE WHEN is_open THEN sign * r.amount * r.probability ELSE 0 END,
        CASE WHEN is_open AND r.forecast_category IN ('best_case', 'commit')
             THEN sign * r.amount ELSE 0 END,
        CASE WHEN is_open AND r.forecast_category = 'commit' THEN sign * r.amount ELSE 0 END,
        CASE WHEN is_open THEN 0 ELSE sign * r.amount END,
        CASE WHEN is_open THEN sign ELSE 0 END,
        CASE WHEN is_open THEN 0 ELSE sign END
    )
    ON CONFLICT (team_id, owner_id, currency, month) DO UPDATE SET
        pipeline = f.pipeline + EXCLUDED.pipeline,
        weighted = f.weighted + EXCLUDED.weighted,
        best_case = f.best_case + EXCLUDED.best_case,
        commit = f.commit + EXCLUDED.commit,
        won = f.won + EXCLUDED.won,
        open_deals = f.open_deals + EXCLUDED.open_deals,
        won_deals = f.won_deals + EXCLUDED.won_deals;
END $$;

CREATE FUNCTION sales_forecast_rollup_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM sales_forecast_rollup_apply(OLD, -1);
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        PERFORM sales_forecast_rollup_apply(NEW, 1);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER sales_forecast_rollup_write
    AFTER INSERT OR DELETE ON sales_opportunity
    FOR EACH ROW EXECUTE FUNCTION sales_forecast_rollup_row();

CREATE TRIGGER sales_forecast_rollup_update
    AFTER UPDATE ON sales_opportunity
    FOR EACH ROW
    WHEN (
        OLD.status IS DISTINCT FROM NEW.status
        OR OLD.amount IS DISTINCT FROM NEW.amount
        OR OLD.probability IS DISTINCT FROM NEW.probability
        OR OLD.forecast_category IS DISTINCT FROM NEW.forecast_category
        OR OLD.currency IS DISTINCT FROM NEW.currency
        OR OLD.close_date IS DISTINCT FROM NEW.close_date
        OR OLD.team_id IS DISTINCT FROM NEW.team_id
        OR OLD.owner_id IS DISTINCT FROM NEW.owner_id
    )
    EXECUTE FUNCTION sales_forecast_rollup_row();

-- The rollup afresh from the deals: here the deals already there; later after loads with
-- triggers off (the data generators) and as a repair (manage.py rebuild_forecast_rollup).
-- The SHARE lock keeps writers out between the aggregate and the swap.
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

SELECT sales_forecast_rollup_rebuild();
"""

REVERSE = """
DROP TRIGGER IF EXISTS sales_forecast_rollup_update ON sales_opportunity;
DROP TRIGGER IF EXISTS sales_forecast_rollup_write ON sales_opportunity;
DROP FUNCTION IF EXISTS sales_forecast_rollup_row();
DROP FUNCTION IF EXISTS sales_forecast_rollup_apply(sales_opportunity, integer);
DROP FUNCTION IF EXISTS sales_forecast_rollup_rebuild();
DELETE FROM sales_forecastrollup;
"""


class Migration(migrations.Migration):
    dependencies = [("sales", "0009_forecast_rollup")]

    operations = [migrations.RunSQL(FUNCTIONS, REVERSE)]
