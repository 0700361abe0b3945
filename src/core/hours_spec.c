/* hours_spec.c — being written */
typedef int sla_hours_spec_placeholder;
