"""The customer mart: its schema, the demo data generator and the validated loader."""
