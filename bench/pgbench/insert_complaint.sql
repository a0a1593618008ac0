-- The application's whole write: one complaint for a random seeded customer.
-- The same script serves the floor (trigger disabled) and pgchurn (trigger enabled).
\set customer random(1, :customers)
\set severity random(1, 5)
\set category random(1, 6)
\set channel random(1, 5)
INSERT INTO churn.complaint (customer_id, category, severity, channel)
VALUES (:customer,
        (ARRAY['billing', 'network', 'service', 'device', 'contract', 'other'])[:category],
        :severity,
        (ARRAY['phone', 'email', 'chat', 'store', 'social'])[:channel]);
