CREATE TRIGGER profile_after_update
    AFTER UPDATE OF customer_since, tenure_months, monthly_charges, total_charges, contract_type,
                    payment_method, internet_service, paperless_billing, senior_citizen,
                    has_partner, has_dependents, phone_service, multiple_lines, online_security,
                    tech_support, streaming_tv
    ON churn.customer_profile
    FOR EACH ROW
    WHEN ((OLD.customer_since, OLD.tenure_months, OLD.monthly_charges, OLD.total_charges,
           OLD.contract_type, OLD.payment_method, OLD.internet_service, OLD.paperless_billing,
           OLD.senior_citizen, OLD.has_partner, OLD.has_dependents, OLD.phone_service,
           OLD.multiple_lines, OLD.online_security, OLD.tech_support, OLD.streaming_tv)
          IS DISTINCT FROM
          (NEW.customer_since, NEW.tenure_months, NEW.monthly_charges, NEW.total_charges,
           NEW.contract_type, NEW.payment_method, NEW.internet_service, NEW.paperless_billing,
           NEW.senior_citizen, NEW.has_partner, NEW.has_dependents, NEW.phone_service,
           NEW.multiple_lines, NEW.online_security, NEW.tech_support, NEW.streaming_tv))
    EXECUTE FUNCTION churn.on_profile_update();

COMMENT ON TRIGGER profile_after_update ON churn.customer_profile IS 'Rescores a customer when the application changes one of the profile attributes the models read. pgchurn''s own writes (counters, scores) never fire it.';
