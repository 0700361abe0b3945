-- sla 0.1.0 install script, assembled from src/sql/*.sql by the Makefile.
\echo Use "CREATE EXTENSION sla" to load this file. \quit

