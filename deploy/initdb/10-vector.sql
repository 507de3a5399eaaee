-- Creating an extension needs a superuser: do it once when the database volume is initialised.
CREATE EXTENSION IF NOT EXISTS vector;
