"""Demo data of the West cluster (Vestklyngen): `flask --app wsgi seed-demo`."""
