"""pgchurn: churn scoring that lives inside PostgreSQL."""
