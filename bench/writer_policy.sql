-- writer_policy.sql — what the writer_role policy costs a helpdesk application: new tickets
-- inserted as a member of sla_writer (5,000 a round, 8 rounds) with the restrictive
-- *_attachment_writer policies in place and with them dropped, alternating; prints the median
-- microseconds per ticket of each and their ratio.

SET client_min_messages = warning;
SELECT sla.define_calendar('rb', 'UTC', 'mon-fri 09:00-17:00') > 0;
SELECT sla.define_level('rb', 'rb', first_response => '1 hour', resolution => '2 days', is_default => true) > 0;
CREATE ROLE rb_app IN ROLE sla_writer;
CREATE TABLE public.rb_ticket (id int PRIMARY KEY, st text, created timestamptz);
GRANT ALL ON public.rb_ticket TO rb_app;
SELECT sla.attach('public.rb_ticket', '{"key": "id", "created_at": "created", "status": "st"}') > 0;
SELECT sla.map_status('public.rb_ticket', 'open', 'open');
UPDATE sla.attachment SET writer_role = 'rb_app';
CREATE TABLE public.rb_run (policy text, ms float8);
GRANT ALL ON public.rb_run TO rb_app;
CREATE FUNCTION public.rb_round(base int, label text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE t0 timestamptz := clock_timestamp();
BEGIN
    INSERT INTO public.rb_ticket SELECT base + i, 'open', '2026-11-23 10:00+00' FROM generate_series(1, 5000) i;
    INSERT INTO public.rb_run VALUES (label, extract(epoch FROM clock_timestamp() - t0) * 1000);
END $$;
CREATE FUNCTION public.rb_policies(on_ boolean) RETURNS void LANGUAGE plpgsql AS $f$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['clock', 'event', 'ticket'] LOOP
        EXECUTE format('DROP POLICY IF EXISTS %I ON sla.%I', t || '_attachment_writer', t);
        IF on_ THEN
            EXECUTE format('CREATE POLICY %I ON sla.%I AS RESTRICTIVE FOR ALL TO sla_writer USING (sla.may_write_attachment(attachment_id)) WITH CHECK (sla.may_write_attachment(attachment_id))', t || '_attachment_writer', t);
        END IF;
    END LOOP;
END $f$;
SELECT public.rb_policies(true);
SET ROLE rb_app;
SELECT public.rb_round(0, 'with');
RESET ROLE;
SELECT public.rb_policies(false);
SET ROLE rb_app;
SELECT public.rb_round(10000, 'without');
RESET ROLE;
SELECT public.rb_policies(false);
SET ROLE rb_app;
SELECT public.rb_round(20000, 'without');
RESET ROLE;
SELECT public.rb_policies(true);
SET ROLE rb_app;
SELECT public.rb_round(30000, 'with');
RESET ROLE;
SELECT public.rb_policies(true);
SET ROLE rb_app;
SELECT public.rb_round(40000, 'with');
RESET ROLE;
SELECT public.rb_policies(false);
SET ROLE rb_app;
SELECT public.rb_round(50000, 'without');
RESET ROLE;
SELECT public.rb_policies(false);
SET ROLE rb_app;
SELECT public.rb_round(60000, 'without');
RESET ROLE;
SELECT public.rb_policies(true);
SET ROLE rb_app;
SELECT public.rb_round(70000, 'with');
RESET ROLE;
SELECT round((percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) FILTER (WHERE policy = 'with') * 1000 / 5000)::numeric, 1) AS with_us_per_ticket,
       round((percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) FILTER (WHERE policy = 'without') * 1000 / 5000)::numeric, 1) AS without_us_per_ticket,
       round((percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) FILTER (WHERE policy = 'with')
            / percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) FILTER (WHERE policy = 'without'))::numeric, 3) AS with_over_without
  FROM public.rb_run;
