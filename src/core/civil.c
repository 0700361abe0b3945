/* civil.c — being written */
typedef int sla_civil_placeholder;
