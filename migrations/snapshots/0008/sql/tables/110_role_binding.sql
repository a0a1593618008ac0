-- Which role name plays which part in this database (names are configurable at upgrade).
CREATE TABLE churn.role_binding (
    role_kind  text PRIMARY KEY
               CONSTRAINT role_binding_kind_is_known CHECK (role_kind IN ('app', 'analyst', 'deployer')),
    role_name  text NOT NULL
);

COMMENT ON TABLE churn.role_binding IS 'The group role that plays each part in this database: app (inserts complaints and profiles), analyst (reads scores, history and reasons), deployer (manages models through the functions).';
COMMENT ON COLUMN churn.role_binding.role_kind IS 'app, analyst or deployer.';
COMMENT ON COLUMN churn.role_binding.role_name IS 'Name of the PostgreSQL role, as configured at upgrade (-x app_role=... and so on).';
