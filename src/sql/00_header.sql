-- sla install script (sla--<default_version of sla.control>.sql), assembled from src/sql/*.sql by the Makefile.
\echo Use "CREATE EXTENSION sla" to load this file. \quit

